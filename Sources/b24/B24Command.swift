import ArgumentParser
import B24Catalog
import B24Client
import Foundation

/// The `b24` executable: the console by default, and headless commands for scripts and agents.
@main
struct B24Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "b24",
        abstract: "A console and CLI for the Bitrix24 REST API, with the guardrails of the bitrix24-agent skill.",
        discussion: """
            Exit codes: 0 ok, 64 usage, 3 blocked by a guardrail, 4 portal error, 5 network/unreadable response, \
            6 write outcome unknown (check before retrying), 7 login required.
            """,
        version: "0.1.0",
        subcommands: [
            ConsoleCommand.self, CallCommand.self, BatchCLICommand.self, ProfileCommand.self, LoginCommand.self, PacksCommand.self,
            HistoryCommand.self, SandboxCommand.self, EventsCommand.self, WorkerCommand.self, DLQCommand.self,
            ExportCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )
}

extension B24Command {
    /// Runs the command line. Argument errors become one redacted `b24:` line with the usage exit code (the
    /// parser's own text would echo a mistyped webhook URL, code and all).
    static func main() async {
        // Swift's CommandLine.arguments replaces invalid UTF-8 with U+FFFD; a --params value would go out altered.
        if let position = firstArgumentWithInvalidUTF8() {
            printError("argument \(position) is not valid UTF-8 (Bitrix24 takes UTF-8 text only)")
            Foundation.exit(B24ExitCode.usage)
        }
        // The console is the default command, so a mistyped command name would reach it as a stray argument
        // ("Unexpected argument 'histroy'"): name the problem instead.
        if let problem = unknownCommandProblem(Array(CommandLine.arguments.dropFirst())) {
            printError(problem)
            Foundation.exit(B24ExitCode.usage)
        }
        // A command that calls the portal loads the catalog and starts the HTTP client on a second thread while
        // this one parses the arguments: about 1-2 ms of each `b24 call` (Benchmarks/call-vs-curl.py).
        if let command = CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("-") }),
           ["call", "batch"].contains(command)
        {
            Thread.detachNewThread {
                _ = Catalog.bundled
                NIOHTTPTransport.prepare()
            }
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? ""
            if !text.isEmpty {
                let command = CommandLine.arguments.dropFirst().first.flatMap { commandNames.contains($0) ? $0 + " " : nil } ?? ""
                printError(Redactor().redact(text) + (code == .validationFailure ? " (see b24 \(command)--help)" : ""))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Options every portal-facing command takes.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Use this saved profile instead of the default.")
    var profile: String?

    @Option(name: .long, help: "One-off webhook URL (https://PORTAL/rest/USER/CODE/); nothing is saved.")
    var webhook: String?

    @Option(name: .long, help: "Comma-separated packs to allow (default: the profile's, else core). 'none' allows no pack.")
    var packs: String?

    @Option(name: .long, help: "Extra allowed method patterns, comma-separated (e.g. 'user.*').")
    var methodAllowlist: String?

    @Flag(name: .long, help: "Allow methods outside the selected packs (risk confirmations still apply).")
    var allowUnlisted = false

    @Flag(name: .long, help: "Refuse writes for this run.")
    var readOnly = false

    @Flag(name: .long, help: "Writes must go through --plan-only then --execute-plan.")
    var requirePlan = false

    @Flag(name: .long, help: "Do not write the JSONL audit line (history is still kept).")
    var noAudit = false

    @Option(name: .long, parsing: .unconditional, help: "Per-request timeout in seconds.")
    var timeout: Double = 70

    @Option(name: .long, help: "Leaky bucket BURST/PER_SECOND for this portal (default 50/2, e.g. 250/5).")
    var bucket: String?

    @Option(name: .long, parsing: .unconditional, help: "Longest wait, in seconds, for a method's operating-time budget to reset.")
    var maxOperatingWait: Double = 600

    /// The client for these options. `settleOnStop: false` leaves SIGINT/SIGTERM to a command that stops on its own
    /// terms (the event tail and the worker finish what they hold first); `adjust` changes the options last (the
    /// export's whole burst).
    func makeClient(environment: [String: String] = ProcessInfo.processInfo.environment, settleOnStop: Bool = true,
                    adjust: (inout ClientOptions) -> Void = { _ in }) throws -> B24Client {
        let paths = B24Paths.fromEnvironment(environment)
        let resolved = try ProfileResolver.resolve(
            webhook: webhook, profileName: profile, store: AuthStore(paths: paths), environment: environment)
        var options = ClientOptions()
        // B24_PACKS and B24_REQUIRE_PLAN are applied by the resolver (they can only tighten a saved profile);
        // --packs is explicit and wins.
        if let packs { options.packs = splitList(packs) }
        options.methodAllowlist = methodAllowlist.map(splitList) ?? []
        options.allowUnlisted = allowUnlisted
        options.readOnly = readOnly
        options.requirePlan = requirePlan
        options.audit = !noAudit
        options.historyRetention = try HistoryRetention(environment: environment)
        // Infinity or a huge number would trap where the deadline is turned into nanoseconds; a day is plenty.
        guard timeout > 0, timeout <= 86_400 else { throw B24Error.usage("--timeout must be more than 0 and at most 86400 seconds") }
        options.timeout = timeout
        options.bucket = bucket
        guard maxOperatingWait >= 0, maxOperatingWait <= 86_400 else {
            throw B24Error.usage("--max-operating-wait must be between 0 and 86400 seconds")
        }
        options.maxOperatingWait = maxOperatingWait
        options.observer = announceWaits
        adjust(&options)
        let client = try B24Client(profile: resolved, paths: paths, options: options)
        if settleOnStop { StopSignals.settleWritesOnStop(client) }
        return client
    }
}

/// Tells stderr about every wait of ``ClientOptions/announcedWait`` seconds or more before it starts (rate
/// limiter, operating-time reset, retry backoff), as one line such as
/// "waiting 12 s for the rate limiter of portal.bitrix24.com:443".
@Sendable func announceWaits(_ event: CallEvent) {
    guard case .waiting(let wait) = event, wait.seconds >= ClientOptions.announcedWait else { return }
    printInfo(waitLine(wait))
}

/// The words of a wait on stderr; the operating-time wait names the flag that caps it.
func waitLine(_ wait: CallWait) -> String {
    let shown = wait.seconds < 10 ? String(format: "%.1f", wait.seconds) : String(Int(wait.seconds.rounded(.up)))
    return "waiting \(shown) s \(wait.detail)" + (wait.reason == .operatingReset ? " (--max-operating-wait caps this)" : "")
}

/// Ctrl+C, SIGTERM or SIGHUP during a call: writes in flight are recorded as "outcome unknown" (history, audit,
/// a blocked idempotency key) and named on stderr, then b24 dies by the same signal, so a shell loop around it
/// stops as it would for any program. A signal the parent had ignored (`nohup`, a background job) stays ignored.
enum StopSignals {
    /// One serial queue: a second signal waits for the first one's settling instead of exiting under it.
    private static let queue = DispatchQueue(label: "b24.stop-signals")
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func settleWritesOnStop(_ client: B24Client) {
        queue.sync {
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] where !isIgnored(signalNumber) {
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler {
                    for line in client.interruptWritesInFlight() { printError(client.redactor.redact(line)) }
                    dieBy(signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// True when the signal's disposition is SIG_IGN (inherited from the parent).
    private static func isIgnored(_ signalNumber: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signalNumber, nil, &current) == 0 else { return false }
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1  // SIG_IGN
    }

    /// Ends the process by `signalNumber` with its default action, as if b24 had not caught it.
    private static func dieBy(_ signalNumber: Int32) -> Never {
        signal(signalNumber, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signalNumber)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        kill(getpid(), signalNumber)
        Foundation.exit(128 + signalNumber)  // only if the signal did not end the process
    }
}

/// The names of b24's commands, as typed after `b24`.
let commandNames = B24Command.configuration.subcommands.compactMap { $0.configuration.commandName }

/// The error line for a first argument that is neither an option nor a command (nor `help` followed by one),
/// with the closest command name when one is near; nil when the arguments start well.
func unknownCommandProblem(_ arguments: [String]) -> String? {
    guard var word = arguments.first, !word.hasPrefix("-") else { return nil }
    if word == "help" {
        guard arguments.count > 1, !arguments[1].hasPrefix("-") else { return nil }
        word = arguments[1]
    }
    guard !commandNames.contains(word) else { return nil }
    let closest = commandNames.map { (name: $0, distance: editDistance(word, $0)) }.min { $0.distance < $1.distance }
    let suggestion = closest.flatMap { $0.distance <= 2 ? " (did you mean \($0.name)?)" : nil } ?? ""
    return "unknown command '\(word)'\(suggestion); commands: \(commandNames.joined(separator: ", "))"
}

/// Levenshtein distance: insertions, deletions and substitutions of characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    var row = Array(0...b.count)  // distances from a[..<i] to each prefix of b
    for i in 1...a.count {
        var diagonal = row[0]
        row[0] = i
        for j in 1..<(b.count + 1) {
            let above = row[j]
            row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
            diagonal = above
        }
    }
    return row[b.count]
}

/// The 1-based position of the first command-line argument whose raw bytes are not valid UTF-8, if any.
func firstArgumentWithInvalidUTF8() -> Int? {
    for index in 1..<max(1, Int(CommandLine.argc)) {
        guard let raw = CommandLine.unsafeArgv[index] else { continue }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
        if String(validating: bytes, as: UTF8.self) == nil { return index }
    }
    return nil
}

func splitList(_ text: String) -> [String] {
    text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
}

/// Prints one error line on stderr and exits with the error's documented code.
func fail(_ error: Error, redactor: Redactor = Redactor()) -> Never {
    let b24Error = (error as? B24Error) ?? .usage("\(error)")
    printError(redactor.redact(b24Error.message))
    exit(b24Error.exitCode)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data(("b24: " + text + "\n").utf8))
}

func printInfo(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs a command body, turning any thrown error into one stderr line and its exit code.
func guarded(redactor: Redactor = Redactor(), _ body: () async throws -> Void) async {
    do { try await body() } catch let exit as ExitCode { Foundation.exit(exit.rawValue) } catch {
        fail(error, redactor: redactor)
    }
}

/// A file's bytes. Works for pipes and devices such as `/dev/stdin`, which `FileManager.contents(atPath:)`
/// refuses. Throws `.usage` saying why ("cannot read --params file F: No such file or directory"); `what`
/// names the file's role.
func readWholeFile(_ path: String, what: String) throws -> Data {
    func failure(_ reason: String) -> B24Error { .usage("cannot read \(what) \(path): \(reason)") }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure(String(cString: strerror(errno))) }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    var info = stat()
    if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { throw failure("it is a directory") }
    do { return try handle.readToEnd() ?? Data() } catch { throw failure(error.localizedDescription) }
}
