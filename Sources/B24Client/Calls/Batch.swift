import B24Catalog
import B24Wire
import Foundation

/// One command of a `batch` call.
public struct BatchCommand: Sendable, Equatable {
    public var key: String
    public var method: String
    /// The `method?query` string as sent in `cmd`, PHP-bracket encoded (filter prefixes such as `>ID` and
    /// `$result[...]` references survive because the portal URL-decodes each command before resolving them).
    public var encoded: String

    public init(key: String, method: String, params: JSONValue) {
        self.key = key
        self.method = method
        let query = PHPForm.encode(params)
        encoded = query.isEmpty ? method : method + "?" + query
    }

    public init(key: String, encoded: String) {
        self.key = key
        self.encoded = encoded
        method = String(encoded.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// True when the command uses another command's result (`$result[key]...`), raw or percent-encoded.
    public var referencesOthers: Bool {
        encoded.contains("$result[") || encoded.lowercased().contains("%24result%5b")
    }
}

/// The outcome of one command inside a batch.
public struct BatchCommandResult: Sendable {
    public var key: String
    public var method: String
    public var result: JSONValue?
    public var error: PortalError?
    public var total: Int?
    public var next: Int?
    /// False when the command did not run (`halt` stopped the batch before it).
    public var ran: Bool
}

/// The outcome of a batch, possibly split into several `batch` calls.
public struct BatchOutcome: Sendable {
    public var results: [BatchCommandResult] = []
    public var traces: [CallTrace] = []
    /// A failure of a whole `batch` call (policy, transport, portal); per-command errors are in `results`.
    /// When a split batch fails in a later call, `results` still holds the answers of the earlier calls.
    public var error: B24Error?
    /// How many commands were asked for (all calls of a split batch).
    public var commandCount = 0
    public var warnings: [String] = []

    public init() {}
}

/// Reading batch commands from files and parameters.
public enum BatchInput {
    /// The most commands one `batch` call may carry.
    public static let limit = 50

    /// Commands from JSON: an object `{"key": "method?query" | {"method": …, "params": {…}}}` or a list of the
    /// same (keys "0", "1", …). The `cmd` member of a full batch parameter object is accepted too.
    public static func commands(from json: JSONValue) throws -> [BatchCommand] {
        var source = json
        if let cmd = json.member(caseInsensitive: "cmd") { source = cmd }
        let members: [(String, JSONValue)]
        switch source {
        case .object(let object): members = object.map { ($0.key, $0.value) }
        case .array(let items): members = items.enumerated().map { (String($0.offset), $0.element) }
        default: throw B24Error.usage("batch commands must be a JSON object or list, not \(source.kindName)")
        }
        guard !members.isEmpty else { throw B24Error.usage("the batch has no commands") }
        return try members.map { key, value in
            switch value {
            case .string(let text):
                let trimmed = text.trimmingWhitespace
                guard !trimmed.isEmpty else { throw B24Error.usage("batch command '\(key)' is empty") }
                let command = BatchCommand(key: key, encoded: trimmed)
                _ = try RequestBuilder.normalizedMethodName(command.method)
                return command
            case .object:
                guard let raw = value["method"]?.stringValue else {
                    throw B24Error.usage("batch command '\(key)' needs a \"method\"")
                }
                let method = try RequestBuilder.normalizedMethodName(raw)
                let params = value["params"] ?? .emptyObject
                guard case .object = params else {
                    throw B24Error.usage("batch command '\(key)': \"params\" must be an object")
                }
                return BatchCommand(key: key, method: method, params: params)
            default:
                throw B24Error.usage("batch command '\(key)' must be a \"method?query\" string or {\"method\",\"params\"}")
            }
        }
    }

    /// Splits commands into `batch` calls of at most 50. Commands that reference each other cannot be split.
    public static func chunks(_ commands: [BatchCommand]) throws -> [[BatchCommand]] {
        guard commands.count > limit else { return [commands] }
        let chained = commands.filter(\.referencesOthers).map(\.key)
        if !chained.isEmpty {
            let named = chained.prefix(3).joined(separator: ", ") + (chained.count > 3 ? " and \(chained.count - 3) more" : "")
            throw B24Error.usage("the batch has \(commands.count) commands and \(named) use $result[...] of others; a batch runs at most \(limit), and commands that reference each other cannot be split into several batches")
        }
        return stride(from: 0, to: commands.count, by: limit).map { Array(commands[$0..<min($0 + limit, commands.count)]) }
    }
}

extension B24Client {
    /// Runs batch commands: split into calls of 50 when they are independent, each call through every guardrail
    /// (the batch takes the highest risk of its commands).
    /// `idempotencyKey` replaces the derived key of a write batch; split batches use `KEY-1`, `KEY-2`, ….
    /// `observer` hears the events of every `batch` call in turn.
    public func batch(_ commands: [BatchCommand], halt: Bool, confirmWrite: Bool, confirmDestructive: Bool,
                      idempotencyKey: String? = nil, observer: CallObserver? = nil) async -> BatchOutcome
    {
        var outcome = BatchOutcome()
        outcome.commandCount = commands.count
        let chunks: [[BatchCommand]]
        do { chunks = try BatchInput.chunks(commands) } catch {
            outcome.error = (error as? B24Error) ?? .usage("\(error)")
            return outcome
        }
        let requests = chunks.enumerated().map { index, chunk in
            var cmd = JSONObject()
            for command in chunk { cmd[command.key] = .string(command.encoded) }
            var request = CallRequest(method: "batch", params: .object(["halt": .int(halt ? 1 : 0), "cmd": .object(cmd)]))
            request.confirmWrite = confirmWrite
            request.confirmDestructive = confirmDestructive
            request.idempotencyKey = idempotencyKey.map { chunks.count == 1 ? $0 : "\($0)-\(index + 1)" }
            return request
        }
        // Every call is checked before the first is sent: a guardrail refusing call 2 (a delete among the later
        // commands) must not leave call 1's writes done. The refused call is made so that it is audited; it
        // fails on the same check without reaching the portal.
        if let refused = requests.first(where: { (try? checkPolicy($0)) == nil }) {
            let call = await self.call(refused, observer: observer)
            outcome.traces.append(call.trace)
            outcome.warnings += call.warnings
            if case .failure(let error) = call.result { outcome.error = error }
            return outcome
        }
        for (chunk, request) in zip(chunks, requests) {
            let call = await self.call(request, observer: observer)
            outcome.traces.append(call.trace)
            outcome.warnings += call.warnings
            switch call.result {
            case .failure(let error):
                outcome.error = error
                return outcome
            case .success(let envelope):
                let results = Self.batchResults(envelope["result"] ?? .null, commands: chunk)
                outcome.results += results
                if halt, results.contains(where: { $0.error != nil || !$0.ran }) { return outcome }
            }
        }
        return outcome
    }

    /// Reads the per-command maps of a batch answer, tolerating PHP's `[]` for empty maps and lists for maps
    /// keyed 0..n-1.
    public static func batchResults(_ result: JSONValue, commands: [BatchCommand]) -> [BatchCommandResult] {
        let results = result["result"]?.objectValue ?? [:]
        let errors = result["result_error"]?.objectValue ?? [:]
        let totals = result["result_total"]?.objectValue ?? [:]
        let nexts = result["result_next"]?.objectValue ?? [:]
        return commands.map { command in
            let error = errors[command.key].flatMap { PortalError.from(envelope: $0, httpStatus: 200) }
            let value = results[command.key]
            return BatchCommandResult(
                key: command.key, method: command.method, result: value, error: error,
                total: totals[command.key]?.intValue.map(Int.init), next: nexts[command.key]?.intValue.map(Int.init),
                ran: value != nil || error != nil)
        }
    }
}
