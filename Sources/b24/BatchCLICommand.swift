import ArgumentParser
import B24Client
import B24Wire
import Foundation

/// `b24 batch --cmd-file F`: up to 50 commands per `batch` call, more when they are independent.
struct BatchCLICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run batch commands from a JSON file.",
        discussion: """
            The file holds {"key": "method?query" | {"method": "...", "params": {...}}} or a list of those. \
            Commands may use $result[key][FIELD] references. Over 50 independent commands are split into several \
            batch calls; over 50 chained commands are refused.
            """)

    @Option(name: .long, help: "JSON file with the commands (- for stdin).")
    var cmdFile: String

    @Flag(name: .long, help: "Stop at the first failing command.")
    var halt = false

    @Flag(name: .long, help: "Print the per-command results as one JSON object.")
    var json = false

    @Flag(name: .long, help: "Confirm write commands.")
    var confirmWrite = false

    @Flag(name: .long, help: "Confirm destructive commands.")
    var confirmDestructive = false

    @Option(name: .long, help: "Idempotency key for a write batch (default: derived from profile and commands).")
    var idempotencyKey: String?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client: B24Client
        do { client = try connection.makeClient() } catch { fail(error) }
        let commands: [BatchCommand]
        do {
            commands = try BatchInput.commands(from: readParamsAnyJSON(cmdFile == "-" ? "-" : "@" + cmdFile))
        } catch { fail(error) }
        let outcome = await client.batch(commands, halt: halt, confirmWrite: confirmWrite,
                                         confirmDestructive: confirmDestructive, idempotencyKey: idempotencyKey)
        try reportBatch(outcome, json: json, redactor: client.redactor)
    }
}

extension ExitCode {
    /// Some batch commands failed.
    static let portalErrors = ExitCode(B24ExitCode.portal)
}

/// Prints a batch outcome; a failed batch call exits with its error, failed commands with the portal-error code.
func reportBatch(_ outcome: BatchOutcome, json: Bool, redactor: Redactor) throws {
    for warning in outcome.warnings { printError("warning: " + warning) }
    if let error = outcome.error {
        // A split batch that failed in a later call: what the earlier calls ran must not be lost.
        if !outcome.results.isEmpty {
            printBatch(outcome, json: json)
            let calls = outcome.traces.count - 1
            printError("\(outcome.results.count) of \(outcome.commandCount) commands were answered by the first "
                + "\(counted(calls, "batch call")) (printed above); batch call \(calls + 1) failed:")
        }
        fail(error, redactor: redactor)
    }
    printBatch(outcome, json: json)
    let failed = outcome.results.filter { $0.error != nil }.count
    let calls = counted(outcome.traces.count, "batch call")
    // A replay is said in both endings: a replayed partial batch must not look like a fresh run.
    var replayNote = ""
    let replayed = outcome.traces.filter(\.replayed)
    if !replayed.isEmpty {
        replayNote = " · \(replayed.count == outcome.traces.count ? "replayed" : "\(replayed.count) replayed") from idempotency key"
            + " \(replayed.compactMap(\.idempotencyKey).joined(separator: ", ")) — the portal was not called"
            + " (use another --idempotency-key to write again)"
    }
    guard failed == 0 else {
        printError(redactor.redact("\(failed) of \(outcome.results.count) batch commands failed (\(calls)); see the per-command errors above"
            + replayNote))
        throw ExitCode.portalErrors
    }
    printInfo("\(counted(outcome.results.count, "command")) in \(calls), all ok" + replayNote)
}

/// Prints per-command results: JSON, or one block per command.
func printBatch(_ outcome: BatchOutcome, json: Bool) {
    if json {
        var object = JSONObject()
        for result in outcome.results {
            var entry: JSONObject = ["method": .string(result.method), "ran": .bool(result.ran)]
            if let value = result.result { entry["result"] = value }
            if let error = result.error { entry["error"] = ["code": .string(error.code), "message": .string(error.message)] }
            if let total = result.total { entry["total"] = .int(Int64(total)) }
            if let next = result.next { entry["next"] = .int(Int64(next)) }
            object[result.key] = .object(entry)
        }
        print(JSONWriter.pretty(.object(object)))
    } else {
        for result in outcome.results {
            if let error = result.error {
                print("[\(result.key)] \(result.method): error \(error.code.isEmpty ? "(empty code)" : error.code): \(error.message)")
            } else if !result.ran {
                print("[\(result.key)] \(result.method): not run (halted)")
            } else {
                var header = "[\(result.key)] \(result.method): ok"
                if let total = result.total { header += " · total \(total)" }
                if let next = result.next { header += " · next \(next)" }
                print(header)
                print(JSONWriter.pretty(result.result ?? .null))
            }
        }
    }
}

/// Reads JSON of any shape from `@file` or `-`.
func readParamsAnyJSON(_ text: String) throws -> JSONValue {
    let data: Data
    if text == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        let path = String(text.dropFirst())
        data = try readWholeFile(path, what: "--cmd-file")
    }
    do { return try JSONParser.parse(Array(data)) } catch {
        throw B24Error.usage("\(text == "-" ? "stdin" : String(text.dropFirst())) is not valid JSON: \(error)")
    }
}
