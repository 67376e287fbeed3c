import B24Wire
import Foundation

/// The no-loss consumer of the offline queue (`b24 worker`).
///
/// One round: reserve a batch (`event.offline.get` `clear=0`), remember its process id, hand each record to the
/// target (a shell command or a JSONL sink) with retries, record each handled key in SQLite, put records that
/// failed every attempt in the DLQ and report them with `event.offline.error`, and only then clear the handled
/// `message_id`s. The ledger is written before anything is cleared, so a crash at any point leaves either a record
/// still in the queue (handled again only if its key is not in the ledger) or a key in the ledger.
///
/// At start the worker cuts its sink back to the committed size, and picks up every process id it reserved earlier
/// (its own list, plus the reserved process ids the queue shows: a crash right after a reservation leaves no local
/// trace). Run one worker per queue (profile and `auth_connector`).
public final class OfflineWorker: @unchecked Sendable {
    /// Where events go.
    public enum Target: Sendable, Equatable {
        /// `sh -c COMMAND` with the record's JSON on stdin; exit 0 means handled. The environment carries
        /// `B24_EVENT_KEY` (the dedup key), `B24_EVENT_NAME` and `B24_MESSAGE_ID`.
        case handler(String)
        /// One JSON line per record appended to this file, committed together with the handled keys.
        case sink(String)
    }

    /// How the worker runs.
    public struct Options: Sendable {
        public var target: Target
        /// Attempts per event before it goes to the DLQ (first one included).
        public var maxAttempts = 5
        /// Records reserved per `event.offline.get`.
        public var batch = 50
        /// Stop when the queue is empty instead of waiting for more.
        public var once = false
        /// Seconds between polls of an empty queue.
        public var pollInterval: TimeInterval = 2
        /// First retry delay; doubles per attempt up to ``maxBackoff``.
        public var backoff: TimeInterval = 0.5
        public var maxBackoff: TimeInterval = 30

        public init(target: Target) { self.target = target }
    }

    /// What the worker did so far.
    public struct Counters: Sendable, Equatable {
        public var handled = 0
        /// Records whose key was already in the ledger (handled before a crash, not yet cleared).
        public var alreadyHandled = 0
        public var retries = 0
        public var deadLettered = 0
        public var cleared = 0
        /// Records left reserved because a stop came first.
        public var leftReserved = 0
    }

    public let queue: OfflineQueue
    public let store: B24Store
    public let options: Options
    private let lock = NSLock()
    private var stopping = false
    private var countersStorage = Counters()
    private var sink: SinkFile?

    public init(queue: OfflineQueue, store: B24Store, options: Options) throws {
        guard options.maxAttempts >= 1 else { throw B24Error.usage("--max-attempts must be at least 1") }
        guard (1...1000).contains(options.batch) else { throw B24Error.usage("--batch must be 1 to 1000") }
        self.queue = queue
        self.store = store
        self.options = options
    }

    public var counters: Counters { lock.withLock { countersStorage } }

    /// Asks the worker to stop after the event in hand (SIGTERM, SIGINT).
    public func requestStop() { lock.withLock { stopping = true } }

    var isStopping: Bool { lock.withLock { stopping } }

    private func count(_ change: (inout Counters) -> Void) { lock.withLock { change(&countersStorage) } }

    /// Runs until stopped (or, with ``Options/once``, until the queue is empty). `progress` hears the counters after
    /// every event.
    /// Without ``Options/once`` a failed round (the portal unreachable, a clear refused) is reported to `failed`
    /// and tried again after a growing pause, earlier reservations first; with it, the error ends the run.
    @discardableResult
    public func run(progress: @escaping @Sendable (Counters) -> Void = { _ in },
                    failed: @escaping @Sendable (Error, TimeInterval) -> Void = { _, _ in }) async throws -> Counters {
        if case .sink(let path) = options.target { sink = try SinkFile(path: path, store: store) }
        defer { sink?.close() }
        var reclaim = true
        var failures = 0
        while !isStopping {
            do {
                if reclaim {
                    try await reclaimEarlierReservations(progress: progress)
                    reclaim = false
                }
                let (processID, records) = try await queue.reserve(limit: options.batch)
                failures = 0
                guard let processID, !records.isEmpty else {
                    if options.once { break }
                    await pause(options.pollInterval)
                    continue
                }
                try store.rememberProcess(scope: queue.scope, processID: processID)
                if try await handleBatch(processID: processID, records, progress: progress) {
                    try store.forgetProcess(scope: queue.scope, processID: processID)
                }
            } catch {
                if options.once || isStopping { throw error }
                failures += 1
                reclaim = true
                let delay = min(60, max(options.pollInterval, 1) * pow(2, Double(min(failures, 6) - 1)))
                failed(error, delay)
                await pause(delay)
            }
        }
        return counters
    }

    /// Dead letters whose clear was cut short, then every batch reserved earlier: ours from the store, then any the
    /// queue shows (a crash right after a reservation leaves no local trace).
    private func reclaimEarlierReservations(progress: @escaping @Sendable (Counters) -> Void) async throws {
        try await clearDeadLetteredErrors()
        var pending = try store.pendingProcesses(scope: queue.scope)
        for id in try await queue.reservedProcessIDs() where !pending.contains(id) { pending.append(id) }
        for processID in pending where !isStopping {
            while !isStopping {
                let (_, records) = try await queue.reserve(limit: options.batch, processID: processID)
                if records.isEmpty {
                    try store.forgetProcess(scope: queue.scope, processID: processID)
                    break
                }
                if try await handleBatch(processID: processID, records, progress: progress) == false { break }
            }
        }
    }

    /// Handles a reserved batch and clears what was handled. False when a stop left some records reserved.
    private func handleBatch(processID: String, _ records: [JSONValue],
                             progress: @Sendable (Counters) -> Void) async throws -> Bool {
        let keys = records.map(EventFields.dedupKey)
        let known = try store.handledKeys(scope: queue.scope, among: keys)
        var done: [String] = []
        var failed: [String] = []
        var complete = true
        for (record, key) in zip(records, keys) {
            if isStopping {
                complete = false
                count { $0.leftReserved += 1 }
                continue
            }
            let messageID = record["MESSAGE_ID"]?.stringValue ?? ""
            if known.contains(key) {
                done.append(messageID)
                count { $0.alreadyHandled += 1 }
                continue
            }
            switch try await deliver(record, key: key, messageID: messageID) {
            case .handled: done.append(messageID)
            case .deadLettered: failed.append(messageID)
            case .abandoned:
                complete = false
                count { $0.leftReserved += 1 }
            }
            progress(counters)
        }
        if !failed.isEmpty {
            try await queue.markError(processID: processID, messageIDs: failed)
            try await clearErrors(messageIDs: failed)
        }
        try await queue.clear(processID: processID, messageIDs: done)
        count { $0.cleared += done.count + failed.count }
        progress(counters)
        return complete
    }

    private enum Delivery { case handled, deadLettered, abandoned }

    /// One record to the target, retried with backoff; the key is recorded the moment it is handled.
    private func deliver(_ record: JSONValue, key: String, messageID: String) async throws -> Delivery {
        var lastError = ""
        for attempt in 1...options.maxAttempts {
            if attempt > 1 {
                count { $0.retries += 1 }
                let delay = min(options.maxBackoff, options.backoff * pow(2, Double(attempt - 2)))
                await pause(delay * Double.random(in: 0.8...1.2))
                // A stop during the wait leaves the record reserved for the next run.
                if isStopping { return .abandoned }
            }
            switch options.target {
            case .sink:
                do {
                    try sink?.append(record, key: key, messageID: messageID, scope: queue.scope)
                    count { $0.handled += 1 }
                    return .handled
                } catch {
                    lastError = "\(error)"
                }
            case .handler(let command):
                let status = await HandlerProcess.run(command, input: JSONWriter.compact(record) + "\n", environment: [
                    "B24_EVENT_KEY": key, "B24_EVENT_NAME": record["EVENT_NAME"]?.stringValue ?? "", "B24_MESSAGE_ID": messageID,
                ])
                if status == 0 {
                    try store.recordHandled(scope: queue.scope, key: key, messageID: messageID)
                    count { $0.handled += 1 }
                    return .handled
                }
                lastError = status < 0 ? "the handler could not be started" : "the handler exited with status \(status)"
            }
        }
        try store.deadLetter(scope: queue.scope, key: key, record: record, attempts: options.maxAttempts, error: lastError)
        count { $0.deadLettered += 1 }
        return .deadLettered
    }

    /// Records marked with `event.offline.error` leave their process; the ones this worker dead-lettered are taken
    /// and cleared, so the DLQ (not the portal) holds them.
    private func clearErrors(messageIDs: [String]) async throws {
        let (processID, records) = try await queue.reserve(limit: messageIDs.count, errors: true,
                                                           filter: ["@MESSAGE_ID": .array(messageIDs.map { .string($0) })])
        guard let processID, !records.isEmpty else { return }
        try store.rememberProcess(scope: queue.scope, processID: processID)
        try await queue.clear(processID: processID, messageIDs: records.compactMap { $0["MESSAGE_ID"]?.stringValue })
        try store.forgetProcess(scope: queue.scope, processID: processID)
    }

    /// After a crash between `event.offline.error` and the clear: failed records whose keys are in the DLQ.
    private func clearDeadLetteredErrors() async throws {
        guard try store.deadLetterCount(scope: queue.scope) > 0 else { return }
        let errored = try await queue.list(filter: ["ERROR": "1", "PROCESS_ID": ""])
        guard !errored.isEmpty else { return }
        let keys = errored.map(EventFields.dedupKey)
        let ours = try store.handledKeys(scope: queue.scope, among: keys)
        let ids = zip(errored, keys).filter { ours.contains($0.1) }.compactMap { $0.0["MESSAGE_ID"]?.stringValue }
        if !ids.isEmpty { try await clearErrors(messageIDs: ids) }
    }

    /// Sleeps up to `seconds`, waking early when a stop is asked for.
    private func pause(_ seconds: TimeInterval) async {
        let deadline = Date().addingTimeInterval(seconds)
        while !isStopping, Date() < deadline {
            try? await Task.sleep(nanoseconds: UInt64(min(0.05, max(0, deadline.timeIntervalSinceNow)) * 1e9))
        }
    }
}
