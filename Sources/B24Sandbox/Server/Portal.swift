import B24Wire
import Foundation

/// The portal behind the HTTP layer: directory, CRM, auth, limits, faults and the method table.
/// Method handlers are synchronous and each store has its own lock, so nothing waits while holding a lock.
final class Portal: @unchecked Sendable {
    let options: SandboxOptions
    let stats: SandboxStats
    let identity: PortalIdentity
    let directory: Directory
    let auth: AuthStore
    let limits: Limits
    let faults: FaultBox
    let crm: CRMStore
    let tasks: TaskStore
    let events = EventStore()
    let chats = ChatStore(now: PortalClock.now())
    let hub = EventHub()
    /// Requests that reached `/sandbox-app/...` (the demo app's handler URL).
    let captured = Locked<[HandlerCall]>([])
    private(set) var registry = MethodRegistry()
    /// REST 3.0 methods (`/rest/api/...`).
    private(set) var v3 = V3Registry()
    let idempotency = IdempotencyStore()
    /// Set once the listening port is known.
    var baseURL: String = ""
    var host: String = ""

    static let allScopes = [
        "ai_admin", "bizproc", "calendar", "catalog", "crm", "department", "disk", "entity", "im", "imbot",
        "imconnector", "landing", "lists", "log", "mailservice", "messageservice", "placement", "pull", "sale",
        "sonet_group", "task", "telephony", "timeman", "user", "userconsent",
    ]

    /// JSON output like PHP's `json_encode` defaults: `\/` and `\uXXXX`.
    let writer = JSONWriter(pretty: false, escapeSlashes: true, escapeUnicode: true)

    let database: SandboxDatabase?

    init(options: SandboxOptions, stats: SandboxStats) throws {
        self.options = options
        self.stats = stats
        identity = PortalIdentity(seed: options.seed)
        let directory = Directory(seed: options.seed)
        self.directory = directory
        auth = AuthStore(seed: options.seed, accessLifetime: options.accessTokenLifetime, appScopes: Self.allScopes,
                         adminCheck: { directory.isAdmin($0) })
        limits = Limits(options: options)
        faults = FaultBox(spec: options.faults, seed: options.seed)
        database = try options.dataPath.map { try SandboxDatabase(path: $0) }
        crm = CRMStore(seed: options.seed, leads: options.leads, database: database)
        tasks = TaskStore(seed: options.seed, crmCounts: crm.generator.counts, database: database)
        auth.attach(database)
        events.attach(database)
        auth.addWebhook(code: identity.adminWebhookCode, userID: 1, scopes: nil)
        auth.addWebhook(code: identity.crmWebhookCode, userID: Directory.crmUserID, scopes: ["crm"])
        registry = MethodRegistry()
        SystemMethods.register(into: &registry)
        CRMMethods.register(into: &registry)
        CRMStatusMethods.register(into: &registry)
        BatchMethod.register(into: &registry)
        EventMethods.register(into: &registry)
        TaskMethods.register(into: &registry)
        TaskV3Methods.register(into: &v3)
        PackMethods.register(into: &registry)
        CRMItemMethods.register(into: &registry)
        CRMDuplicateMethods.register(into: &registry)
    }

    var restEndpoint: String { baseURL + "/rest/" }

    /// The outcome of one method call, with its `time`.
    enum CallResult {
        case success(MethodOutput, TimeInfo)
        case failure(RestError, TimeInfo)
    }

    /// Runs one method for a resolved caller: existence, scope, auth type, rights and operating time, then the
    /// handler; charges the call's time to its method.
    func execute(method: String, params: JSONValue, caller: Caller, inBatch: Bool) -> CallResult {
        let start = PortalClock.now()
        stats.call(method)
        if inBatch { stats.batchSubCall() }
        func fail(_ error: RestError, operating: (Double, Int)? = nil) -> CallResult {
            stats.error(error.codeText)
            let now = PortalClock.now()
            return .failure(error, TimeInfo(start: start, finish: now, processing: now - start,
                                            operating: operating?.0, operatingResetAt: operating?.1))
        }
        guard let def = registry[method] else { return fail(.methodNotFound) }
        if inBatch, !def.allowedInBatch { return fail(.batchMethodNotAllowed) }
        if let scope = def.scope, !caller.allows(scope: scope) { return fail(.insufficientScope) }
        if caller.kind == .webhook {
            switch def.appOnly {
            case .no: break
            case .wrongAuthType: return fail(.wrongAuthType)
            case .accessDenied: return fail(RestError(400, "ACCESS_DENIED", "Access denied! Application context required"))
            }
        }
        if def.adminOnly, !caller.isAdmin { return fail(.accessDenied) }
        let counted = method != "batch"
        if counted, limits.blocked(client: caller.clientKey, method: method, now: start) {
            let usage = limits.usage(client: caller.clientKey, method: method, now: start)
            return fail(.operationTimeLimit, operating: (usage.seconds, usage.resetAt))
        }
        let env = CallEnv(portal: self, caller: caller, params: params, method: method, now: start, inBatch: inBatch)
        let outcome: Result<MethodOutput, RestError>
        do {
            outcome = .success(try def.run(env))
        } catch let error as RestError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(.internalError)
        }
        let finish = PortalClock.now()
        var usage: (seconds: Double, resetAt: Int) = (0, Int(start + limits.window))
        if counted {
            let listCost = (try? outcome.get().scanned).map { limits.listCost(scanned: $0) } ?? 0
            usage = limits.charge(client: caller.clientKey, method: method,
                                  seconds: (finish - start) + limits.simulatedCost(method) + listCost, now: start)
        }
        let time = TimeInfo(start: start, finish: finish, processing: finish - start, operating: usage.seconds,
                            operatingResetAt: usage.resetAt)
        switch outcome {
        case .success(let output): return .success(output, time)
        case .failure(let error):
            stats.error(error.codeText)
            return .failure(error, time)
        }
    }

    /// Resolves the caller of a REST call from the route (webhook) or the `auth` parameter (OAuth).
    func resolveCaller(route: CallRoute, params: JSONValue, now: Double) throws -> Caller {
        if route.webhookCode != nil {
            return try auth.webhookCaller(user: route.webhookUser, code: route.webhookCode)
        }
        let token = params["auth"]?.stringValue ?? params["access_token"]?.stringValue
        return try auth.tokenCaller(token, now: now)
    }

    // MARK: Envelopes

    func successBody(_ output: MethodOutput, time: TimeInfo, xml: Bool) -> [UInt8] {
        var object: JSONObject = [
            "result": PHPShape.isClean(output.result) ? output.result : PHPShape.normalize(output.result)
        ]
        if let next = output.next { object["next"] = .int(Int64(next)) }
        if let total = output.total { object["total"] = .int(Int64(total)) }
        object["time"] = time.json()
        if xml { return Array(XMLOutput.document(.object(object)).utf8) }
        return writer.bytes(.object(object))
    }

    func errorBody(_ error: RestError, xml: Bool) -> [UInt8] {
        if xml { return Array(XMLOutput.document(error.body).utf8) }
        return writer.bytes(error.body)
    }
}
