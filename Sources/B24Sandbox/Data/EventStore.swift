import B24Wire

/// Event handler registrations made with `event.bind` (per application) or set up as outgoing webhooks, and the
/// offline event queues (PROTOCOL §2.8).
final class EventStore: @unchecked Sendable {
    struct Binding: Equatable, Codable {
        let id: Int
        /// `app:<client id>` for applications, `outgoing:<token>` for outgoing webhooks.
        let clientKey: String
        let event: String
        /// Empty for offline bindings.
        let handler: String
        let authType: Int
        let offline: Bool
        let authConnector: String
        /// ONOFFLINEEVENT: at most one notification every this many seconds (0 = one per change).
        var minTimeout: Double = 1
        /// Outgoing webhooks send only the webhook subset of `auth`, with their own application token.
        var outgoingToken: String?
    }

    /// One offline queue record.
    struct OfflineRecord: Codable {
        let id: Int
        var timestamp: Double
        let event: String
        var data: JSONValue
        let messageID: String
        let objectKey: String
        var processID: String = ""
        var error = false
    }

    /// Queue identity: the application and the `auth_connector` of its binding ("" = the source-less queue).
    struct QueueKey: Hashable, Codable {
        let clientKey: String
        let connector: String
    }

    private struct State {
        var bindings: [Binding] = []
        var nextID = 1
        var queues: [QueueKey: [OfflineRecord]] = [:]
        var nextRecordID = 1
        var nextMessageID = 1
        /// ONOFFLINEEVENT throttling per binding id: last send time and whether a deferred send is pending.
        var lastNotified: [Int: Double] = [:]
        var deferred: Set<Int> = []
        var random = SeededRandom(seed: 0x0FF1_14E5)
    }

    private let state = Locked(State())
    private var database: SandboxDatabase?
    private static let snapshotName = "events"

    /// What survives a restart with `--data`: bindings and queues (not the notification throttles).
    private struct Saved: Codable {
        var bindings: [Binding]
        var nextID: Int
        var queues: [QueueKey: [OfflineRecord]]
        var nextRecordID: Int
        var nextMessageID: Int
    }

    /// Loads saved bindings and queues, and saves them after every change from now on.
    func attach(_ database: SandboxDatabase?) {
        self.database = database
        guard let saved = database?.loadSnapshot(Self.snapshotName, as: Saved.self) else { return }
        state.withLock { state in
            state.bindings = saved.bindings
            state.nextID = saved.nextID
            state.queues = saved.queues
            state.nextRecordID = saved.nextRecordID
            state.nextMessageID = saved.nextMessageID
        }
    }

    private func mutate<T>(_ body: (inout State) -> T) -> T {
        state.withLock { state in
            let result = body(&state)
            database?.saveSnapshot(Self.snapshotName, Saved(
                bindings: state.bindings, nextID: state.nextID, queues: state.queues,
                nextRecordID: state.nextRecordID, nextMessageID: state.nextMessageID))
            return result
        }
    }

    /// Adds a binding; false when the same one exists.
    func bind(clientKey: String, event: String, handler: String, authType: Int, offline: Bool, authConnector: String,
              minTimeout: Double = 1, outgoingToken: String? = nil) -> Bool {
        mutate { state in
            let duplicate = state.bindings.contains {
                $0.clientKey == clientKey && $0.event == event && $0.handler == handler && $0.authType == authType
                    && $0.offline == offline && $0.authConnector == authConnector
            }
            guard !duplicate else { return false }
            state.bindings.append(Binding(id: state.nextID, clientKey: clientKey, event: event, handler: handler,
                                          authType: authType, offline: offline, authConnector: authConnector,
                                          minTimeout: minTimeout, outgoingToken: outgoingToken))
            state.nextID += 1
            return true
        }
    }

    func bindings(clientKey: String) -> [Binding] {
        state.withLock { $0.bindings.filter { $0.clientKey == clientKey } }
    }

    /// All bindings of an event, for delivery.
    func bindings(event: String) -> [Binding] {
        state.withLock { state in
            state.bindings.isEmpty ? [] : state.bindings.filter { $0.event == event }
        }
    }

    /// Removes matching bindings; returns how many went.
    func unbind(clientKey: String, event: String, handler: String, authType: Int?, offline: Bool) -> Int {
        mutate { state in
            let before = state.bindings.count
            state.bindings.removeAll {
                $0.clientKey == clientKey && $0.event == event && $0.offline == offline
                    && (offline || $0.handler == handler) && (authType == nil || $0.authType == authType)
            }
            return before - state.bindings.count
        }
    }

    // MARK: Offline queue

    /// Queues the latest state of an object: a free (unreserved, not failed) record of the same event and object is
    /// refreshed instead of adding another one.
    func enqueue(_ queue: QueueKey, event: String, objectKey: String, data: JSONValue, now: Double) {
        mutate { state in
            var records = state.queues[queue] ?? []
            if let index = records.firstIndex(where: {
                $0.event == event && $0.objectKey == objectKey && $0.processID.isEmpty && !$0.error
            }) {
                records[index].timestamp = now
                records[index].data = data
            } else {
                records.append(OfflineRecord(id: state.nextRecordID, timestamp: now, event: event, data: data,
                                             messageID: String(state.nextMessageID), objectKey: objectKey))
                state.nextRecordID += 1
                state.nextMessageID += 1
            }
            state.queues[queue] = records
        }
    }

    /// `event.offline.get`: picks records (free ones, one process's, or failed ones), then deletes them (`clear`) or
    /// reserves them under a new process id.
    func take(_ queue: QueueKey, processID: String?, errors: Bool, filter: ListFilter,
              order: [(field: String, descending: Bool)], limit: Int, clear: Bool) -> (String?, [OfflineRecord]) {
        mutate { state in
            var records = state.queues[queue] ?? []
            var picked = records.filter { record in
                if let processID, !processID.isEmpty { return record.processID == processID }
                return record.processID.isEmpty && record.error == errors
            }.filter { record in filter.matches { Self.field(record, $0) } }
            picked.sort { a, b in
                for key in order {
                    let c = ListFilter.orderedBefore(Self.field(a, key.field), Self.field(b, key.field))
                    if c != 0 { return key.descending ? c > 0 : c < 0 }
                }
                return a.id < b.id
            }
            picked = Array(picked.prefix(max(0, limit)))
            let ids = Set(picked.map(\.id))
            var process: String?
            if clear {
                records.removeAll { ids.contains($0.id) }
                process = processID?.isEmpty == false ? processID : nil
            } else {
                let newID = processID?.isEmpty == false ? processID! : state.random.token(length: 32)
                for index in records.indices where ids.contains(records[index].id) {
                    records[index].processID = newID
                }
                process = newID
                for index in picked.indices { picked[index].processID = newID }
            }
            state.queues[queue] = records
            return (process, picked)
        }
    }

    /// `event.offline.clear`: removes a process's records (all, or those with the given IDs / message IDs).
    func clear(_ queue: QueueKey, processID: String, ids: Set<Int>?, messageIDs: Set<String>?) {
        mutate { state in
            state.queues[queue]?.removeAll { record in
                guard record.processID == processID else { return false }
                if let ids { return ids.contains(record.id) }
                if let messageIDs { return messageIDs.contains(record.messageID) }
                return true
            }
        }
    }

    /// `event.offline.error`: marks a process's records as failed (they leave the process).
    func markError(_ queue: QueueKey, processID: String, messageIDs: Set<String>?) {
        mutate { state in
            guard var records = state.queues[queue] else { return }
            for index in records.indices where records[index].processID == processID {
                if let messageIDs, !messageIDs.contains(records[index].messageID) { continue }
                records[index].error = true
                records[index].processID = ""
            }
            state.queues[queue] = records
        }
    }

    /// `event.offline.list`: every record of the queue, read-only.
    func records(_ queue: QueueKey) -> [OfflineRecord] { state.withLock { $0.queues[queue] ?? [] } }

    static func field(_ record: OfflineRecord, _ name: String) -> JSONValue? {
        switch name {
        case "ID": return .int(Int64(record.id))
        case "TIMESTAMP_X": return .string(PortalClock.iso(record.timestamp))
        case "EVENT_NAME": return .string(record.event)
        case "MESSAGE_ID": return .string(record.messageID)
        case "PROCESS_ID": return .string(record.processID)
        case "ERROR": return .int(record.error ? 1 : 0)
        default: return nil
        }
    }

    // MARK: ONOFFLINEEVENT throttling

    enum NotifyDecision { case now, later(Double), skip }

    /// Whether binding `id` may be notified at `now`, given its `minTimeout`.
    func notifyDecision(binding: Binding, now: Double) -> NotifyDecision {
        state.withLock { state in
            guard binding.minTimeout > 0, let last = state.lastNotified[binding.id] else {
                state.lastNotified[binding.id] = now
                return .now
            }
            let due = last + binding.minTimeout
            if now >= due {
                state.lastNotified[binding.id] = now
                return .now
            }
            // One deferred notification covers every change inside the window.
            guard !state.deferred.contains(binding.id) else { return .skip }
            state.deferred.insert(binding.id)
            state.lastNotified[binding.id] = due
            return .later(due - now)
        }
    }

    func deferredSent(binding: Binding) { state.withLock { _ = $0.deferred.remove(binding.id) } }
}
