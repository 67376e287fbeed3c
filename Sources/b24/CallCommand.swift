import ArgumentParser
import B24Catalog
import B24Client
import B24Wire
import Foundation

/// `b24 call METHOD`: one REST call through every guardrail.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a REST method and print its result.",
        discussion: """
            Writes need --confirm-write, destructive calls --confirm-destructive. --plan-only stores the call as a \
            plan; --execute-plan ID runs a stored plan once. --diff reads the record first and prints what the write \
            changes (old → new); at a terminal it asks (Cancel by default), in scripts --yes with the confirmation \
            flag applies it, with --plan-only it stores a plan that is refused if the record moves. The result goes \
            to stdout; paging info, timing and warnings go to stderr.
            """)

    @Argument(help: "Method name, e.g. crm.lead.list (omit with --execute-plan).")
    var method: String?

    @Option(name: .long, help: "Parameters: inline JSON, @FILE, or - for stdin.")
    var params: String?

    @Flag(name: .long, help: "Call REST 3.0 (/rest/api/).")
    var v3 = false

    @Flag(name: .long, help: "Print the raw response envelope as JSON.")
    var json = false

    @Flag(name: .long, help: "Walk every page (start/next) and print all items.")
    var allPages = false

    @Flag(name: .long, help: "Walk every page with the fast >ID cursor (start=-1, no total).")
    var fast = false

    @Flag(name: .long, help: "Confirm a write call.")
    var confirmWrite = false

    @Flag(name: .long, help: "Confirm a destructive call.")
    var confirmDestructive = false

    @Flag(name: .long, help: "Store the call as a plan and print its id; nothing is sent.")
    var planOnly = false

    @Flag(name: .long, help: "Read the target first and print the diff (old → new); ask before writing.")
    var diff = false

    @Flag(name: .long, help: "With --diff: apply without asking (still needs --confirm-write or --confirm-destructive).")
    var yes = false

    @Option(name: .long, help: "Run a stored plan once.")
    var executePlan: String?

    @Option(name: .long, help: "Idempotency key for a write (default: derived from profile, method and params).")
    var idempotencyKey: String?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client: B24Client
        do { client = try connection.makeClient() } catch { fail(error) }
        let redactor = client.redactor
        if let planID = executePlan {
            guard method == nil, params == nil else {
                fail(B24Error.usage("--execute-plan runs the stored method and params; do not pass METHOD or --params"))
            }
            let outcome = await client.executePlan(
                id: planID, confirmWrite: confirmWrite, confirmDestructive: confirmDestructive, idempotencyKey: idempotencyKey)
            Self.reportStale(outcome)
            if outcome.trace.method.lowercased() == "batch", case .success(let envelope) = outcome.result,
               let commands = try? BatchInput.commands(from: outcome.trace.request.params)
            {
                // A planned batch reports per command, like `b24 batch`.
                var batch = BatchOutcome()
                batch.results = B24Client.batchResults(envelope["result"] ?? .null, commands: commands)
                batch.traces = [outcome.trace]
                batch.warnings = outcome.warnings
                try reportBatch(batch, json: json, redactor: redactor)
                return
            }
            report(outcome, client: client)
            return
        }
        guard let method else { fail(B24Error.usage("missing METHOD (e.g. b24 call user.current)")) }
        let parameters: JSONValue
        do { parameters = try readParams(params) } catch { fail(error, redactor: redactor) }
        var request = CallRequest(method: method, params: parameters, apiVersion: v3 ? .v3 : .v2)
        request.confirmWrite = confirmWrite
        request.confirmDestructive = confirmDestructive
        request.idempotencyKey = idempotencyKey
        if let key = idempotencyKey, key.isEmpty || key.count > 255 || !key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
            fail(B24Error.usage("--idempotency-key must be 1–255 printable ASCII characters without spaces"))
        }
        if yes, !diff { fail(B24Error.usage("--yes applies a reviewed diff: add --diff")) }
        if diff, allPages || fast { fail(B24Error.usage("--diff reviews a write; --all-pages and --fast are for reads")) }
        if diff, client.risk(of: method, params: parameters).mayChangeData {
            await runReviewed(request, client: client)
            return
        }
        if planOnly {
            do {
                let plan = try client.plan(request)
                print("plan \(plan.id): \(plan.method) (\(plan.risk)) for profile \(plan.profile), expires \(ISO8601DateFormatter().string(from: plan.expiresAt))")
                let flag = plan.risk == "destructive" ? " --confirm-destructive" : (plan.risk == "read" ? "" : " --confirm-write")
                printInfo("run it once with: b24 call --execute-plan \(plan.id)\(flag)")
            } catch { fail(error, redactor: redactor) }
            return
        }
        if method.lowercased() == "batch", !v3 {
            // `b24 call batch` takes the same road as `b24 batch`: split, reference checks, per-command results.
            let commands: [BatchCommand]
            do { commands = try BatchInput.commands(from: parameters) } catch { fail(error, redactor: redactor) }
            let halt = parameters.member(caseInsensitive: "halt")?.boolValue ?? false
            let outcome = await client.batch(commands, halt: halt, confirmWrite: confirmWrite,
                                             confirmDestructive: confirmDestructive, idempotencyKey: idempotencyKey)
            try reportBatch(outcome, json: json, redactor: redactor)
            return
        }
        if allPages && fast {
            fail(B24Error.usage("choose one of --all-pages (start/next) and --fast (>ID cursor)"))
        }
        if allPages || fast {
            let paged = await client.callAllPages(request, fast: fast)
            for warning in paged.warnings { printError("warning: " + warning) }
            if let error = paged.error {
                if !paged.items.isEmpty { printInfo("\(paged.items.count) items fetched before the failure (not printed)") }
                fail(error, redactor: redactor)
            }
            print(JSONWriter.pretty(.array(paged.items)))
            let duration = paged.traces.reduce(0) { $0 + $1.duration }
            var line = "\(paged.items.count) items in \(counted(paged.pages, "page"))"
            if let total = paged.total { line += " (total \(total))" }
            printInfo(line + " · \(formatDuration(duration))")
            return
        }
        report(await client.call(request), client: client)
    }

    /// A portal error as the portal sent it: `{error, error_description}` (v2) or `{error: {code, message,
    /// validation}}` (REST 3.0). Its text is already masked.
    static func errorEnvelope(_ error: PortalError) -> JSONValue {
        guard error.apiVersion == .v3 else {
            return .object(["error": .string(error.code), "error_description": .string(error.message)])
        }
        var detail: JSONObject = ["code": .string(error.code), "message": .string(error.message)]
        if !error.validation.isEmpty {
            detail["validation"] = .array(error.validation.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        return .object(["error": .object(detail)])
    }

    func report(_ outcome: CallOutcome, client: B24Client) {
        for warning in outcome.warnings { printError("warning: " + warning) }
        switch outcome.result {
        case .failure(let error):
            // --json promises the portal's envelope: a portal error is printed in its own shape for scripts.
            if json, case .portal(let portal) = error { print(JSONWriter.pretty(Self.errorEnvelope(portal))) }
            failCall(error, trace: outcome.trace, redactor: client.redactor)
        case .success(let envelope):
            if json {
                print(JSONWriter.pretty(envelope))
            } else {
                print(JSONWriter.pretty(envelope["result"] ?? .null))
            }
            var parts: [String] = []
            if let total = envelope["total"]?.intValue { parts.append("total \(total)") }
            if let next = envelope["next"]?.intValue { parts.append("next page: add \"start\":\(next) to --params, or use --all-pages") }
            if outcome.trace.replayed {
                parts.append("replayed from idempotency key \(outcome.trace.idempotencyKey ?? "?") — the portal was not called (use another --idempotency-key to write again)")
            }
            printInfo(([summaryLine(outcome.trace)] + parts).joined(separator: " · "))
        }
    }
}

/// One line about attempts, waits, refreshes and duration.
func summaryLine(_ trace: CallTrace) -> String {
    var parts = ["\(trace.method) \(trace.status)"]
    if trace.attempts.count > 1 { parts.append("\(trace.attempts.count) attempts") }
    let waited = trace.waits.reduce(0) { $0 + $1.seconds }
    if waited > 0.01 { parts.append("waited \(formatDuration(waited))") }
    if !trace.refreshes.isEmpty { parts.append("token \(trace.refreshes.map(\.outcome).joined(separator: ","))") }
    parts.append(formatDuration(trace.duration))
    return parts.joined(separator: " · ")
}

/// Fails with the call's error on one line, pointing at the recorded trace when there was more than one attempt.
func failCall(_ error: B24Error, trace: CallTrace, redactor: Redactor) -> Never {
    guard trace.attempts.count > 1 || !trace.refreshes.isEmpty else { fail(error, redactor: redactor) }
    printError(redactor.redact(error.message) + " (\(trace.attempts.count) attempts; details: b24 history \(trace.id.prefix(8)))")
    exit(error.exitCode)
}

/// Reads `--params`: inline JSON, `@file`, or `-` for stdin. Must be a JSON object.
func readParams(_ text: String?) throws -> JSONValue {
    guard let text else { return .emptyObject }
    let bytes: [UInt8]
    let source: String
    if text == "-" {
        bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        source = "stdin"
    } else if text.hasPrefix("@") {
        let path = String(text.dropFirst())
        bytes = Array(try readWholeFile(path, what: "--params file"))
        source = path
    } else {
        bytes = Array(text.utf8)
        source = "--params"
    }
    let value: JSONValue
    do { value = try JSONParser.parse(bytes) } catch {
        throw B24Error.usage("\(source) is not valid JSON: \(error)")
    }
    guard case .object = value else {
        throw B24Error.usage("\(source) must be a JSON object like {\"ID\": 1}, not \(value.kindName)")
    }
    return value
}
