import B24Wire
import Foundation

/// One thing a tail reports.
public enum TailItem: Sendable, Equatable {
    /// A new event (online delivery or offline record), stored.
    case event(ReceivedEvent)
    /// An offline record, shown before, whose online delivery never arrived.
    case missedOnline(ReceivedEvent)
    /// A source changed state.
    case status(SourceStatus)
    /// A POST the receiver refused (status and why).
    case refused(status: Int, reason: String)
}

/// The state of one event source, for the tail's stderr and the console's header.
public struct SourceStatus: Sendable, Equatable {
    public enum Source: String, Sendable { case receiver, offline }
    public enum State: Sendable, Equatable {
        case connecting
        case ready
        /// Failing; the next try is this many seconds away.
        case reconnecting(retryIn: TimeInterval)
        case stopped
    }

    public var source: Source
    public var state: State
    /// The receiver's URL, or the offline queue's polling interval.
    public var detail: String
    /// The last error, masked.
    public var error: String?

    public init(source: Source, state: State, detail: String, error: String? = nil) {
        self.source = source
        self.state = state
        self.detail = detail
        self.error = error
    }

    /// One line for people: "offline: reconnecting in 4 s (every 5 s) — portal error …".
    public var line: String {
        let word: String
        switch state {
        case .connecting: word = "connecting"
        case .ready: word = "ready"
        case .reconnecting(let seconds): word = "reconnecting in \(Int(seconds.rounded(.up))) s"
        case .stopped: word = "stopped"
        }
        return "\(source.rawValue): \(word) (\(detail))" + (error.map { " — " + EventFields.stripControls($0) } ?? "")
    }
}

/// `b24 events tail` and the console's events screen: the receiver and a read-only watch of the offline queue,
/// merged into one stream, with offline records that never arrived online marked "missed online".
public final class EventTail: @unchecked Sendable {
    public struct Options: Sendable {
        /// Run a receiver (nil: offline watch only).
        public var receiver: EventReceiver.Configuration? = EventReceiver.Configuration()
        /// Watch the offline queue with `event.offline.list`.
        public var offline = true
        /// Take records away instead of watching (`event.offline.get` `clear=0`, stored, then cleared): the caller
        /// must have asked and confirmed, because it takes events from other consumers.
        public var consume = false
        public var authConnector: String?
        /// Seconds between reads of the offline queue.
        public var pollInterval: TimeInterval = 5
        /// How long an offline record waits for its online delivery before it is called missed.
        public var missedGrace: TimeInterval = 10
        /// How far before the record's time an online delivery still counts as its delivery (clock skew).
        public var matchWindow: TimeInterval = 30

        public init() {}
    }

    public let client: B24Client
    public let store: B24Store
    public let options: Options
    public private(set) var receiver: EventReceiver?
    public let items: AsyncStream<TailItem>
    private let continuation: AsyncStream<TailItem>.Continuation
    private var tasks: [Task<Void, Never>] = []
    private let startedAt = Date()
    private let lock = NSLock()
    private var onlineEvents: Set<String> = []

    public init(client: B24Client, store: B24Store, authStore: AuthStore?, options: Options = Options()) {
        self.client = client
        self.store = store
        self.options = options
        (items, continuation) = AsyncStream<TailItem>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
        if let configuration = options.receiver {
            receiver = EventReceiver(profile: client.profile, store: store, authStore: authStore, configuration: configuration)
        }
    }

    /// Starts the receiver (returns its URL) and the offline watch.
    @discardableResult
    public func start() async throws -> URL? {
        var url: URL?
        if let receiver {
            continuation.yield(.status(SourceStatus(source: .receiver, state: .connecting, detail: "starting")))
            url = try await receiver.start()
            continuation.yield(.status(SourceStatus(source: .receiver, state: .ready, detail: url!.absoluteString,
                                                    error: receiver.trustProblem)))
            tasks.append(Task { [self] in
                for await notice in receiver.notices {
                    switch notice {
                    case .accepted(let event):
                        _ = lock.withLock { onlineEvents.insert(event.event) }
                        continuation.yield(.event(event))
                    case .refused(let status, let reason): continuation.yield(.refused(status: status, reason: reason))
                    case .installed(let member):
                        continuation.yield(.status(SourceStatus(source: .receiver, state: .ready, detail: url!.absoluteString,
                                                                error: "application token taken from ONAPPINSTALL (member \(member))")))
                    }
                }
            })
        }
        if options.offline {
            tasks.append(Task { [self] in await watchOffline(handler: url) })
        }
        return url
    }

    public func stop() async {
        for task in tasks { task.cancel() }
        await receiver?.stop()
        for task in tasks { _ = await task.value }
        continuation.finish()
    }

    // MARK: Offline watch

    private struct Pending { var event: ReceivedEvent; var time: Date; var firstSeen: Date }

    private func watchOffline(handler: URL?) async {
        let queue = OfflineQueue(client: client, authConnector: options.authConnector)
        let detail = "every \(Self.seconds(options.pollInterval))"
        continuation.yield(.status(SourceStatus(source: .offline, state: .connecting, detail: detail)))
        var seen: Set<String> = []
        var pending: [Pending] = []
        var failures = 0
        var ready = false
        var boundOnline: Set<String> = []
        var lastBindingsRead = Date.distantPast
        while !Task.isCancelled {
            do {
                if handler != nil, Date().timeIntervalSince(lastBindingsRead) > 30 {
                    lastBindingsRead = Date()
                    boundOnline = (try? await Self.eventsBound(to: handler!, client: client)) ?? boundOnline
                }
                // Consuming reserves a batch, stores it, then clears exactly what was stored.
                let (processID, records) = options.consume ? try await queue.reserve(limit: 50) : (nil, try await queue.list())
                var taken: [String] = []
                if !ready {
                    ready = true
                    continuation.yield(.status(SourceStatus(source: .offline, state: .ready, detail: detail)))
                }
                failures = 0
                let now = Date()
                for record in records {
                    let identity = [record["ID"]?.stringValue ?? "", record["TIMESTAMP_X"]?.stringValue ?? "",
                                    EventFields.dedupKey(record)].joined(separator: "|")
                    guard options.consume || seen.insert(identity).inserted else { continue }
                    let stored = try store.recordEvent(ReceivedEvent.offline(record, at: now), profile: client.profile.name)
                    if let id = record["MESSAGE_ID"]?.stringValue { taken.append(id) }
                    continuation.yield(.event(stored))
                    let time = record["TIMESTAMP_X"]?.stringValue.flatMap(Self.portalTime) ?? now
                    // Records older than this tail cannot have been delivered to it.
                    if handler != nil, stored.entityID != nil, time >= startedAt.addingTimeInterval(-2) {
                        pending.append(Pending(event: stored, time: time, firstSeen: now))
                    }
                }
                if let processID { try await queue.clear(processID: processID, messageIDs: taken) }
                pending = try judge(pending, boundOnline: boundOnline, now: now)
                await Self.sleep(options.pollInterval)
            } catch {
                if Task.isCancelled { break }
                failures += 1
                ready = false
                let delay = min(60, options.pollInterval * pow(2, Double(min(failures, 6) - 1)))
                continuation.yield(.status(SourceStatus(source: .offline, state: .reconnecting(retryIn: delay), detail: detail,
                                                        error: client.redactor.redact("\(error)"))))
                await Self.sleep(delay)
            }
        }
        continuation.yield(.status(SourceStatus(source: .offline, state: .stopped, detail: detail)))
    }

    /// Marks the records whose grace has passed without an online delivery; returns those still waiting.
    private func judge(_ pending: [Pending], boundOnline: Set<String>, now: Date) throws -> [Pending] {
        var waiting: [Pending] = []
        let seenOnline = lock.withLock { onlineEvents }
        for item in pending {
            guard now.timeIntervalSince(item.firstSeen) >= options.missedGrace else {
                waiting.append(item)
                continue
            }
            let event = item.event
            guard boundOnline.contains(event.event) || seenOnline.contains(event.event), let entity = event.entityID else { continue }
            let arrived = try store.hasOnlineDelivery(profile: client.profile.name, event: event.event, entityID: entity,
                                                      from: item.time.addingTimeInterval(-options.matchWindow), to: now)
            if !arrived {
                try store.markMissedOnline(id: event.id)
                var missed = event
                missed.missedOnline = true
                continuation.yield(.missedOnline(missed))
            }
        }
        return waiting
    }

    /// Events with an online binding whose handler is this receiver.
    static func eventsBound(to handler: URL, client: B24Client) async throws -> Set<String> {
        let mine = handler.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let bindings = try await EventBindings(client: client).list()
        return Set(bindings.filter {
            !$0.offline && $0.handler.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == mine
        }.map { $0.event.uppercased() })
    }

    static func portalTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    private static func sleep(_ seconds: TimeInterval) async {
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }
}

extension EventFields {
    /// The call that reads an event's object as it is now (`crm.lead.get` for ONCRMLEADUPDATE, `tasks.task.get` for
    /// ONTASKADD); nil for deletions and events without an object.
    public static func readBack(event: String, entityID: String?) -> (method: String, params: JSONValue)? {
        guard let entityID, !entityID.isEmpty else { return nil }
        let name = event.uppercased()
        if name.hasSuffix("DELETE") { return nil }
        if name.hasPrefix("ONTASK") { return ("tasks.task.get", ["taskId": .string(entityID)]) }
        guard name.hasPrefix("ONCRM") else { return nil }
        var entity = String(name.dropFirst(5))
        for action in ["ADD", "UPDATE"] where entity.hasSuffix(action) { entity = String(entity.dropLast(action.count)) }
        guard !entity.isEmpty, entity.allSatisfy({ $0.isLetter }) else { return nil }
        return ("crm.\(entity.lowercased()).get", ["id": .string(entityID)])
    }
}
