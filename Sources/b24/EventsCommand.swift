import ArgumentParser
import B24Client
import B24Wire
import Foundation

/// `b24 events …`: bindings, and a live tail of deliveries and the offline queue.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Bind, unbind and list event handlers; tail deliveries and the offline queue live.",
        subcommands: [Bind.self, Unbind.self, List.self, Tail.self])

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bind", abstract: "Bind an event to a handler URL (online) or to the offline queue (event.bind).")

        @Argument(help: "Event name, e.g. ONCRMLEADADD.") var event: String
        @Flag(name: .long, help: "Queue the event offline instead of posting it to a handler.") var offline = false
        @Option(name: .long, help: "Offline queue source key (auth_connector).") var authConnector: String?
        @Option(name: .long, help: "Handler URL for an online binding (e.g. the one `b24 events tail` prints).") var handler: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let client = try connection.makeClient()
            await guarded(redactor: client.redactor) {
                try await EventBindings(client: client).bind(event: event, offline: offline, handler: handler,
                                                             authConnector: authConnector)
                print("bound \(event.uppercased()) " + (offline ? "to the offline queue" + (authConnector.map { " (connector \($0))" } ?? "")
                                                        : "to \(handler ?? "")"))
            }
        }
    }

    struct Unbind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unbind", abstract: "Remove event bindings (event.unbind).")

        @Argument(help: "Event name.") var event: String
        @Flag(name: .long, help: "Remove the offline binding.") var offline = false
        @Option(name: .long, help: "Handler URL of the online binding to remove.") var handler: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let client = try connection.makeClient()
            await guarded(redactor: client.redactor) {
                let count = try await EventBindings(client: client).unbind(event: event, offline: offline, handler: handler)
                print("removed \(count) binding\(count == 1 ? "" : "s") of \(event.uppercased())")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List this application's event bindings (event.get).")

        @Flag(name: .long, help: "One JSON object per binding.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let client = try connection.makeClient()
            await guarded(redactor: client.redactor) {
                let bindings = try await EventBindings(client: client).list()
                if bindings.isEmpty, !json { print("no event bindings") }
                for binding in bindings {
                    if json {
                        var object: JSONObject = ["event": .string(binding.event), "handler": .string(binding.handler),
                                                  "offline": .bool(binding.offline), "auth_type": .string(binding.authType)]
                        if let connector = binding.connector { object["auth_connector"] = .string(connector) }
                        print(client.redactor.redact(JSONWriter.compact(.object(object))))
                    } else {
                        let target = binding.offline ? "offline queue" + (binding.connector.map { " (connector \($0))" } ?? "") : binding.handler
                        print(client.redactor.redact("\(binding.event)  \(target)"))
                    }
                }
            }
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tail",
            abstract: "Receive event deliveries and watch the offline queue; one line (or JSON object) per event until stopped.",
            discussion: """
                The receiver listens on 127.0.0.1 and a free port unless --host/--port say otherwise, and says on stderr \
                where. Deliveries must carry the profile's application token (b24 profile set-token) and member id; \
                others are refused with 403. The offline queue is only read (event.offline.list) unless --consume is \
                given and confirmed. Offline records whose online delivery never came are marked MISSED ONLINE.
                """)

        @Flag(name: .long, help: "One JSON object per line.") var json = false
        @Option(name: .long, help: "Show only events whose name, entity id or data contains this (repeatable; any matches).")
        var filter: [String] = []
        @Option(name: .long, help: "Receiver address.") var host = "127.0.0.1"
        @Option(name: .long, help: "Receiver port (0: a free one).") var port = 0
        @Flag(name: .long, help: "No receiver: watch the offline queue only.") var noReceiver = false
        @Flag(name: .long, help: "Do not read the offline queue.") var noOffline = false
        @Option(name: .long, help: "Seconds between reads of the offline queue.") var poll: Double = 5
        @Option(name: .long, help: "Seconds an offline record waits for its online delivery before it is called missed.")
        var missedAfter: Double = 10
        @Option(name: .long, help: "Offline queue source key (auth_connector).") var authConnector: String?
        @Option(name: .long, help: "Bind this event online to the receiver for the tail's lifetime (repeatable).")
        var bind: [String] = []
        @Flag(name: .long, help: "Be the app's install handler: take the application token from ONAPPINSTALL.")
        var installHandler = false
        @Flag(name: .long, help: "Take events out of the offline queue (event.offline.get + clear) instead of watching it.")
        var consume = false
        @Flag(name: .long, help: "Confirm --consume without asking.") var yes = false
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard poll > 0, poll <= 3600 else { throw ValidationError("--poll must be more than 0 and at most 3600 seconds") }
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            guard missedAfter >= 0, missedAfter <= 3600 else { throw ValidationError("--missed-after must be 0 to 3600 seconds") }
            if consume, noOffline { throw ValidationError("--consume reads the offline queue; drop --no-offline") }
        }

        func run() async throws {
            let client = try connection.makeClient(settleOnStop: false)
            await guarded(redactor: client.redactor) {
                if consume, !yes { try confirmConsume() }
                var options = EventTail.Options()
                if noReceiver { options.receiver = nil } else {
                    var receiver = EventReceiver.Configuration()
                    receiver.host = host
                    receiver.port = port
                    receiver.acceptInstall = installHandler
                    options.receiver = receiver
                }
                options.offline = !noOffline
                options.consume = consume
                options.authConnector = authConnector
                options.pollInterval = poll
                options.missedGrace = missedAfter
                let tail = EventTail(client: client, store: try client.store(),
                                     authStore: AuthStore(paths: client.paths), options: options)
                let url = try await tail.start()
                if let url {
                    printInfo("receiver listening on \(url.absoluteString)")
                    if let problem = tail.receiver?.trustProblem { printInfo("warning: \(problem)") }
                }
                let bindings = EventBindings(client: client)
                for event in bind {
                    guard let url else { throw B24Error.usage("--bind needs the receiver (drop --no-receiver)") }
                    try await bindings.bind(event: event, offline: false, handler: url.absoluteString, authConnector: nil)
                    printInfo("bound \(event.uppercased()) to \(url.absoluteString) until the tail stops")
                }
                let stop = StopRequest()
                stop.install()
                let printer = Task {
                    for await item in tail.items { show(item, redactor: client.redactor) }
                }
                await stop.wait()
                for event in bind { _ = try? await bindings.unbind(event: event, offline: false, handler: url?.absoluteString) }
                await tail.stop()
                _ = await printer.value
            }
        }

        private func confirmConsume() throws {
            guard isatty(STDIN_FILENO) == 1 else {
                throw B24Error.usage("--consume takes events away from other consumers; confirm with --yes")
            }
            FileHandle.standardError.write(Data("--consume takes events out of the offline queue for good (other consumers will not see them). Type yes: ".utf8))
            guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                throw B24Error.usage("not confirmed; nothing was taken")
            }
        }

        private func show(_ item: TailItem, redactor: Redactor) {
            switch item {
            case .event(let event), .missedOnline(let event):
                guard passes(event) else { return }
                var text = json ? JSONWriter.compact(event.json) : event.line
                if case .missedOnline = item, !json, let read = EventFields.readBack(event: event.event, entityID: event.entityID) {
                    text += "  (re-read: b24 call \(read.method) --params '\(JSONWriter.compact(read.params))')"
                }
                print(redactor.redact(EventFields.stripControls(text)))
                fflush(stdout)
            case .status(let status): printInfo(redactor.redact(status.line))
            case .refused(let status, let reason): printInfo("refused a delivery (\(status)): \(redactor.redact(reason))")
            }
        }

        private func passes(_ event: ReceivedEvent) -> Bool {
            guard !filter.isEmpty else { return true }
            return filter.contains { word in
                event.event.localizedCaseInsensitiveContains(word) || event.entityID == word
                    || JSONWriter.compact(event.payload).localizedCaseInsensitiveContains(word)
            }
        }
    }
}

/// Waits for SIGINT or SIGTERM, so a command can finish what it holds before exiting.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var sources: [DispatchSourceSignal] = []
    /// Called once, on the first signal.
    var onStop: (@Sendable () -> Void)?

    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in fire() }
            source.resume()
            sources.append(source)
        }
    }

    func fire() {
        let (first, waiting) = lock.withLock { () -> (Bool, [CheckedContinuation<Void, Never>]) in
            defer { fired = true; waiters = [] }
            return (!fired, waiters)
        }
        if first { onStop?() }
        for waiter in waiting { waiter.resume() }
    }

    var isStopped: Bool { lock.withLock { fired } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = lock.withLock { () -> Bool in
                if fired { return true }
                waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
