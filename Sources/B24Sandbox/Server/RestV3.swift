import B24Wire
import Foundation

/// A REST 3.0 error: `{"error":{"code","message","validation":[{field,message}]}}` (PROTOCOL §2.13).
struct V3Error: Error {
    var status: Int
    var code: String
    var message: String
    var validation: [(field: String, message: String)] = []

    static let prefix = "BITRIX_REST_V3_EXCEPTION_"

    init(_ status: Int, _ code: String, _ message: String, validation: [(field: String, message: String)] = []) {
        self.status = status
        // Short names get the documented prefix; system codes (ERROR_METHOD_NOT_FOUND...) stay as they are.
        self.code = code.hasPrefix("BITRIX_") || code.hasPrefix("ERROR_") || code == code.lowercased()
            || ["QUERY_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR", "NO_AUTH_FOUND", "INVALID_REQUEST",
                "OPERATION_TIME_LIMIT", "ACCESS_DENIED", "WRONG_AUTH_TYPE"].contains(code)
            ? code : Self.prefix + code
        self.message = message
        self.validation = validation
    }

    /// One failed field check.
    static func validation(_ field: String, _ message: String) -> V3Error {
        V3Error(400, "VALIDATION_REQUESTVALIDATIONEXCEPTION", "Error during request object validation",
                validation: [(field, message)])
    }

    static func required(_ field: String) -> V3Error { validation(field, "Required field `\(field)` is not specified") }

    static func type(_ field: String, _ type: String) -> V3Error {
        validation(field, "Field `\(field)` requires data type `\(type)` for this request")
    }

    /// A v2 RestError seen through v3 eyes (auth, limits).
    init(_ error: RestError) {
        self.init(error.status, error.codeText, error.description)
    }

    var body: JSONValue {
        var object: JSONObject = ["code": .string(code), "message": .string(message)]
        if !validation.isEmpty || code.contains("VALIDATION") {
            object["validation"] = .array(validation.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        return ["error": .object(object)]
    }
}

/// A REST 3.0 method: its handler returns the `result` member.
struct V3Method {
    let name: String
    /// nil for methods every caller may use.
    let scope: String?
    /// Mutating methods honour `Idempotency-Key`.
    let mutating: Bool
    let summary: String
    let run: (CallEnv) throws -> JSONValue
}

/// The REST 3.0 method table, by lowercased name.
struct V3Registry {
    private(set) var methods: [String: V3Method] = [:]

    mutating func add(_ name: String, scope: String?, mutating: Bool = false, summary: String,
                      _ run: @escaping (CallEnv) throws -> JSONValue) {
        methods[name.lowercased()] = V3Method(name: name, scope: scope, mutating: mutating, summary: summary, run: run)
    }

    subscript(name: String) -> V3Method? { methods[name] }

    var sorted: [V3Method] { methods.values.sorted { $0.name < $1.name } }
}

/// `/rest/api/...` (REST 3.0): JSON-only bodies, query string ignored, v3 error shape, idempotency keys, batch.
enum RestV3Endpoint {
    static func answer(_ error: V3Error, portal: Portal, headers: [(String, String)] = []) -> HTTPAnswer {
        portal.stats.error(error.code)
        var answer = HTTPAnswer.json(error.status, portal.writer.bytes(error.body))
        answer.headers = headers
        return answer
    }

    static func v3Error(_ status: Int, _ code: String, _ message: String, portal: Portal) -> HTTPAnswer {
        answer(V3Error(status, code, message), portal: portal)
    }

    static func handle(_ route: CallRoute, _ request: IncomingRequest, portal: Portal) -> HTTPAnswer {
        if portal.options.requireHTTPS, !request.forwardedHTTPS {
            return v3Error(400, "INVALID_REQUEST", "Https required", portal: portal)
        }
        let params: JSONValue
        do {
            params = try RequestParams.parse(query: nil, body: request.body, contentType: request.contentType,
                                             jsonOnly: true)
        } catch {
            return v3Error(400, "INVALIDJSONEXCEPTION", "Invalid JSON in request body", portal: portal)
        }
        let now = PortalClock.now()
        let caller: Caller
        do {
            caller = try portal.resolveCaller(route: route, params: params.objectValue.map { _ in params } ?? .emptyObject,
                                              now: now)
        } catch let failure as RestError {
            return answer(V3Error(failure), portal: portal)
        } catch {
            return v3Error(500, "INTERNAL_SERVER_ERROR", "Internal server error", portal: portal)
        }
        guard portal.limits.admit(address: request.address, now: now) else {
            return v3Error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests", portal: portal)
        }
        let method = route.method
        if method == "batch" {
            portal.stats.call("batch")
            return batch(params, caller: caller, portal: portal, now: now)
        }
        guard let def = portal.v3[method] else {
            portal.stats.call(method)
            return v3Error(404, "ERROR_METHOD_NOT_FOUND", "Method not found", portal: portal)
        }

        // Idempotency (mutating methods only): validate, then replay or refuse before running anything.
        var echo: [(String, String)] = []
        var idempotency: (scope: String, fingerprint: [UInt8])?
        if def.mutating, let key = request.idempotencyKey {
            guard IdempotencyStore.isValid(key) else {
                return answer(V3Error(400, "INVALIDIDEMPOTENCYKEYEXCEPTION",
                                      "Idempotency-Key must be 1 to 255 printable ASCII characters"), portal: portal)
            }
            echo = [("Idempotency-Key", key)]
            let scope = "\(caller.clientKey)|\(caller.userID)|\(method)|\(key)"
            let fingerprint = IdempotencyStore.fingerprint(params)
            switch portal.idempotency.lookup(scope: scope, fingerprint: fingerprint, now: now) {
            case .replay(let status, let body):
                portal.stats.call(method)
                var replay = HTTPAnswer.json(status, body)
                replay.headers = echo + [("Idempotent-Replayed", "true")]
                return replay
            case .conflict:
                return answer(V3Error(422, "IDEMPOTENCYKEYREUSEDEXCEPTION",
                                      "The idempotency key was already used with a different request"),
                              portal: portal, headers: echo)
            case .fresh:
                idempotency = (scope, fingerprint)
            }
        }

        switch run(def, params: params, caller: caller, portal: portal, now: now) {
        case .success(let result, let time):
            let body = portal.writer.bytes(["result": result, "time": time.json()])
            if let idempotency {
                portal.idempotency.store(scope: idempotency.scope, fingerprint: idempotency.fingerprint,
                                         status: 200, body: body, now: now)
            }
            var success = HTTPAnswer.json(200, body)
            success.headers = echo
            return success
        case .failure(let error):
            return answer(error, portal: portal, headers: echo)
        }
    }

    enum Outcome {
        case success(JSONValue, TimeInfo)
        case failure(V3Error)
    }

    /// Scope, operating time and the handler, like `Portal.execute` for v2.
    static func run(_ def: V3Method, params: JSONValue, caller: Caller, portal: Portal, now: Double) -> Outcome {
        portal.stats.call(def.name.lowercased())
        if let scope = def.scope, !caller.allows(scope: scope) {
            return .failure(V3Error(403, "INSUFFICIENTSCOPEEXCEPTION", "The request requires higher privileges"))
        }
        let key = "v3:" + def.name.lowercased()
        if portal.limits.blocked(client: caller.clientKey, method: key, now: now) {
            return .failure(V3Error(RestError.operationTimeLimit))
        }
        let env = CallEnv(portal: portal, caller: caller, params: params, method: def.name.lowercased(), now: now,
                          inBatch: false)
        let result: JSONValue
        do {
            result = try def.run(env)
        } catch let error as V3Error {
            return .failure(error)
        } catch let error as RestError {
            return .failure(V3Error(error))
        } catch {
            return .failure(V3Error(500, "INTERNAL_SERVER_ERROR", "Internal server error"))
        }
        let finish = PortalClock.now()
        let usage = portal.limits.charge(client: caller.clientKey, method: key,
                                         seconds: finish - now + portal.limits.simulatedCost(def.name.lowercased()),
                                         now: now)
        return .success(result, TimeInfo(start: now, finish: finish, processing: finish - now, operating: usage.seconds,
                                         operatingResetAt: usage.resetAt))
    }

    /// Batch v3: a root JSON array of `{method, query}`; results in order; the first failure is the whole answer
    /// and the task changes made before it are rolled back.
    static func batch(_ params: JSONValue, caller: Caller, portal: Portal, now: Double) -> HTTPAnswer {
        guard case .array(let commands) = params else {
            return v3Error(400, "INVALIDSELECTEXCEPTION", "Batch expects a JSON array of {method, query} objects",
                           portal: portal)
        }
        guard commands.count <= BatchMethod.maxCommands else {
            return v3Error(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", portal: portal)
        }
        let snapshot = portal.tasks.snapshot()
        var results: [JSONValue] = []
        for command in commands {
            guard let name = command["method"]?.stringValue?.lowercased(), !name.isEmpty else {
                portal.tasks.restore(snapshot)
                return v3Error(400, "INVALIDSELECTEXCEPTION", "Each batch item needs a `method`", portal: portal)
            }
            guard let def = portal.v3[name], name != "batch" else {
                portal.tasks.restore(snapshot)
                return v3Error(404, "ERROR_METHOD_NOT_FOUND", "Method not found", portal: portal)
            }
            portal.stats.batchSubCall()
            let query = command["query"] ?? .emptyObject
            switch run(def, params: query.objectValue.map { .object($0) } ?? .emptyObject, caller: caller,
                       portal: portal, now: PortalClock.now()) {
            case .success(let result, _): results.append(result)
            case .failure(let error):
                portal.tasks.restore(snapshot)
                return answer(error, portal: portal)
            }
        }
        let finish = PortalClock.now()
        let time = TimeInfo(start: now, finish: finish, processing: finish - now)
        return .json(200, portal.writer.bytes(["result": .array(results), "time": time.json()]))
    }
}

/// Stored answers of mutating REST 3.0 calls made with an `Idempotency-Key` (24 hours, successes only).
final class IdempotencyStore: @unchecked Sendable {
    static let lifetime: Double = 86_400

    enum Lookup {
        case fresh
        case replay(status: Int, body: [UInt8])
        case conflict
    }

    private struct Entry {
        let fingerprint: [UInt8]
        let status: Int
        let body: [UInt8]
        let expires: Double
    }

    private let entries = Locked([String: Entry]())

    /// 1–255 printable ASCII characters.
    static func isValid(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        return (1...255).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// What identifies "the same request": the parameters without the rotating `auth` token.
    static func fingerprint(_ params: JSONValue) -> [UInt8] {
        var value = params
        if case .object(var object) = value {
            object["auth"] = nil
            value = .object(object)
        }
        return JSONWriter().bytes(value)
    }

    func lookup(scope: String, fingerprint: [UInt8], now: Double) -> Lookup {
        entries.withLock { entries in
            guard let entry = entries[scope] else { return .fresh }
            guard entry.expires > now else {
                entries[scope] = nil
                return .fresh
            }
            return entry.fingerprint == fingerprint ? .replay(status: entry.status, body: entry.body) : .conflict
        }
    }

    func store(scope: String, fingerprint: [UInt8], status: Int, body: [UInt8], now: Double) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries = entries.filter { $0.value.expires > now } }
            entries[scope] = Entry(fingerprint: fingerprint, status: status, body: body, expires: now + Self.lifetime)
        }
    }
}
