import ArgumentParser
import B24Client
import B24Wire
import Foundation

extension ProfileCommand {
    /// `b24 profile set-token NAME`: the application token event deliveries must carry.
    struct SetToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-token",
            abstract: "Keep the application token (and member id) event deliveries must carry.",
            discussion: """
                The token is read from B24_APPLICATION_TOKEN or from the first line of stdin, never from the command \
                line (it would stay in shell history). Until a profile has one, b24's receiver refuses every delivery.
                """)

        @Argument(help: "Profile name.") var name: String
        @Option(name: .long, help: "The portal's member_id (needed when the profile's OAuth login did not give one).")
        var memberId: String?
        @Flag(name: .long, help: "Change only the member id.") var memberOnly = false

        func run() async throws {
            await guarded {
                var token: Secret?
                if !memberOnly {
                    let text = ProcessInfo.processInfo.environment["B24_APPLICATION_TOKEN"] ?? readTokenLine()
                    guard let text, !text.trimmingWhitespace.isEmpty else {
                        throw B24Error.usage("give the application token on stdin or in B24_APPLICATION_TOKEN")
                    }
                    token = Secret(text.trimmingWhitespace)
                }
                if memberOnly, memberId == nil { throw B24Error.usage("--member-only needs --member-id ID") }
                let store = AuthStore(paths: .fromEnvironment())
                try store.setEventTrust(profile: name, applicationToken: token, memberID: memberId)
                let profile = try store.profile(named: name)
                print("profile \(name): application token \(profile.events?.applicationToken?.masked ?? "(none)"), member \(profile.expectedMemberID ?? "(unknown: set --member-id)")")
            }
        }

        private func readTokenLine() -> String? {
            if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data("application token: ".utf8)) }
            return readLine(strippingNewline: true)
        }
    }
}

/// `b24 worker`: the no-loss consumer of the offline queue.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume the offline event queue without losing or repeating events: handler or JSONL sink, retries, DLQ.",
        discussion: """
            Each round reserves a batch (event.offline.get clear=0), hands every event to --handler CMD (the event's \
            JSON on stdin, its dedup key in B24_EVENT_KEY; exit 0 = done) or appends it to --sink FILE, records the \
            handled key in SQLite, and then clears only what was handled. An event that fails --max-attempts times \
            goes to the DLQ (b24 dlq) and is reported with event.offline.error. SIGINT/SIGTERM finish the event in \
            hand, clear what was handled and exit.
            """)

    @Option(name: .long, help: "Shell command run per event (event JSON on stdin, B24_EVENT_KEY in its environment).")
    var handler: String?
    @Option(name: .long, help: "Append each event as one JSON line to this file (exactly once).") var sink: String?
    @Option(name: .long, help: "Attempts per event before the DLQ.") var maxAttempts = 5
    @Option(name: .long, help: "Events reserved per event.offline.get (1-1000).") var batch = 50
    @Flag(name: .long, help: "Stop when the queue is empty.") var once = false
    @Option(name: .long, help: "Seconds between polls of an empty queue.") var sleep: Double = 2
    @Option(name: .long, help: "First retry delay in seconds (doubles per attempt).") var backoff: Double = 0.5
    @Option(name: .long, help: "Offline queue source key (auth_connector).") var authConnector: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (handler == nil) != (sink == nil) else { throw ValidationError("give one of --handler CMD or --sink FILE.jsonl") }
        guard maxAttempts >= 1, maxAttempts <= 100 else { throw ValidationError("--max-attempts must be 1 to 100") }
        guard (1...1000).contains(batch) else { throw ValidationError("--batch must be 1 to 1000") }
        guard sleep > 0, sleep <= 3600 else { throw ValidationError("--sleep must be more than 0 and at most 3600 seconds") }
        guard backoff >= 0, backoff <= 600 else { throw ValidationError("--backoff must be 0 to 600 seconds") }
    }

    func run() async throws {
        let client = try connection.makeClient(settleOnStop: false)
        await guarded(redactor: client.redactor) {
            var options = OfflineWorker.Options(target: handler.map { .handler($0) } ?? .sink(sink!))
            options.maxAttempts = maxAttempts
            options.batch = batch
            options.once = once
            options.pollInterval = sleep
            options.backoff = backoff
            let store = try client.store()
            let worker = try OfflineWorker(queue: OfflineQueue(client: client, authConnector: authConnector), store: store,
                                           options: options)
            let stop = StopRequest()
            stop.onStop = { worker.requestStop() }
            stop.install()
            let progress = ProgressLine(dlq: { (try? store.deadLetterCount()) ?? 0 })
            let redactor = client.redactor
            let counters = try await worker.run(progress: { progress.update($0) }, failed: { error, delay in
                printError(redactor.redact("\((error as? B24Error)?.message ?? "\(error)"); trying again in \(Int(delay.rounded(.up))) s"))
            })
            progress.finish()
            printInfo("worker: handled \(counters.handled), already handled \(counters.alreadyHandled), retries \(counters.retries), "
                      + "dead-lettered \(counters.deadLettered), cleared \(counters.cleared)"
                      + (counters.leftReserved > 0 ? ", left reserved for the next run \(counters.leftReserved)" : ""))
        }
    }
}

/// The worker's progress on a terminal: handled/s, retries, DLQ size; redrawn at most 4 times a second.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private let enabled = isatty(STDERR_FILENO) == 1
    private let dlq: () -> Int

    init(dlq: @escaping () -> Int) { self.dlq = dlq }

    func update(_ counters: OfflineWorker.Counters) {
        guard enabled else { return }
        lock.withLock {
            guard Date().timeIntervalSince(lastDrawn) >= 0.25 else { return }
            lastDrawn = Date()
            let rate = Double(counters.handled) / max(0.001, Date().timeIntervalSince(started))
            let text = String(format: "\rhandled %d (%.1f/s)  retries %d  DLQ %d  ", counters.handled, rate, counters.retries, dlq())
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func finish() { if enabled { FileHandle.standardError.write(Data("\n".utf8)) } }
}

/// `b24 dlq …`: events that failed every attempt of the worker.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List, show, retry or purge the worker's dead-letter queue.",
        subcommands: [List.self, Show.self, Retry.self, Purge.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "One line per dead letter.")
        @Flag(name: .long, help: "One JSON object per line.") var json = false

        func run() async throws {
            await guarded {
                let letters = try openStore().deadLetters()
                if letters.isEmpty, !json { print("the DLQ is empty") }
                for letter in letters {
                    if json { print(JSONWriter.compact(letterJSON(letter))) } else {
                        print("\(letter.id)  \(EventFields.timestampText(letter.failedAt))  \(letter.event)  message \(letter.messageID ?? "-")  "
                              + "\(letter.attempts) attempts  \(EventFields.stripControls(letter.lastError))")
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one dead letter with its event.")
        @Argument(help: "Dead letter id (from b24 dlq list).") var id: Int64

        func run() async throws {
            await guarded {
                guard let letter = try openStore().deadLetters().first(where: { $0.id == id }) else {
                    throw B24Error.usage("no dead letter \(id) (see b24 dlq list)")
                }
                print(JSONWriter.pretty(letterJSON(letter)))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry", abstract: "Hand dead letters to a handler or sink again; those that succeed leave the DLQ.")
        @Argument(help: "Dead letter ids (none: all).") var ids: [Int64] = []
        @Option(name: .long, help: "Shell command (event JSON on stdin, B24_EVENT_KEY set).") var handler: String?
        @Option(name: .long, help: "JSONL file to append to.") var sink: String?

        func validate() throws {
            guard (handler == nil) != (sink == nil) else { throw ValidationError("give one of --handler CMD or --sink FILE.jsonl") }
        }

        func run() async throws {
            await guarded {
                let store = try openStore()
                let target: OfflineWorker.Target = handler.map { .handler($0) } ?? .sink(sink!)
                let letters = try store.deadLetters().filter { ids.isEmpty || ids.contains($0.id) }
                if letters.isEmpty { throw B24Error.usage("no such dead letters (see b24 dlq list)") }
                var succeeded = 0
                for letter in letters {
                    if try await DeadLetterRetry.retry(letter, target: target, store: store) {
                        succeeded += 1
                    } else {
                        printError("dead letter \(letter.id) failed again; it stays in the DLQ")
                    }
                }
                print("retried \(letters.count): \(succeeded) handled and removed, \(letters.count - succeeded) still in the DLQ")
                if succeeded < letters.count { throw ExitCode(4) }
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "purge", abstract: "Delete dead letters for good.")
        @Argument(help: "Dead letter ids (none: all, with --all).") var ids: [Int64] = []
        @Flag(name: .long, help: "Delete every dead letter.") var all = false

        func run() async throws {
            await guarded {
                guard all || !ids.isEmpty else { throw B24Error.usage("name dead letter ids, or pass --all to delete them all") }
                let count = try openStore().removeDeadLetters(ids: all ? nil : ids)
                print("purged \(count) dead letter\(count == 1 ? "" : "s")")
            }
        }
    }

    static func openStore() throws -> B24Store { try B24Store(paths: .fromEnvironment()) }
}

private func openStore() throws -> B24Store { try DLQCommand.openStore() }

private func letterJSON(_ letter: B24Store.DeadLetter) -> JSONValue {
    [
        "id": .int(letter.id), "event": .string(letter.event), "message_id": letter.messageID.map { .string($0) } ?? .null,
        "dedup_key": .string(letter.key), "attempts": .int(Int64(letter.attempts)), "last_error": .string(letter.lastError),
        "failed_at": .string(EventFields.timestampText(letter.failedAt)), "queue": .string(letter.scope), "record": letter.record,
    ]
}
