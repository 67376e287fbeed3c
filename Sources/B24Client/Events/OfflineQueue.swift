import B24Wire
import Foundation

/// The portal's offline event queue (`event.offline.*`), for one `auth_connector` (nil: the source-less queue).
///
/// Watching uses only `event.offline.list`, which changes nothing. Consuming reserves with `event.offline.get`
/// `clear=0` and then clears only the handled `message_id`s of that `process_id`.
public struct OfflineQueue: Sendable {
    public let client: B24Client
    public let authConnector: String?

    public init(client: B24Client, authConnector: String? = nil) {
        self.client = client
        self.authConnector = authConnector?.isEmpty == true ? nil : authConnector
    }

    /// Who the worker's ledger belongs to: the client's identity and the connector.
    public var scope: String { client.identity + "#" + (authConnector ?? "") }

    private func params(_ object: JSONObject) -> JSONValue {
        var object = object
        if let authConnector { object["auth_connector"] = .string(authConnector) }
        return .object(object)
    }

    /// Every record in the queue (all pages of `event.offline.list`), read-only; `filter` as the method takes it.
    /// Polling reads are not recorded in history (`recording`), so a long watch does not fill it.
    public func list(filter: JSONObject? = nil, maxPages: Int = 200, recording: CallRecording = .none) async throws -> [JSONValue] {
        var records: [JSONValue] = []
        var start: Int64 = 0
        for _ in 0..<maxPages {
            var object: JSONObject = ["start": .int(start)]
            if let filter, !filter.isEmpty { object["filter"] = .object(filter) }
            let envelope = try await client.eventCall("event.offline.list", params(object), recording: recording)
            records += envelope["result"]?.arrayValue ?? []
            guard let next = envelope["next"]?.intValue, next > start else { break }
            start = next
        }
        return records
    }

    /// Reserves up to `limit` records (`event.offline.get`, `clear=0`), or re-reads the records still reserved under
    /// `processID`. Returns the process id and the records.
    public func reserve(limit: Int, processID: String? = nil, errors: Bool = false,
                        filter: JSONObject? = nil) async throws -> (processID: String?, records: [JSONValue]) {
        var object: JSONObject = ["clear": 0, "limit": .int(Int64(limit))]
        if let processID { object["process_id"] = .string(processID) }
        if errors { object["error"] = 1 }
        if let filter, !filter.isEmpty { object["filter"] = .object(filter) }
        let envelope = try await client.eventCall("event.offline.get", params(object))
        let result = envelope["result"]
        return (result?["process_id"]?.stringValue, result?["events"]?.arrayValue ?? [])
    }

    /// Removes the given records of a process (`event.offline.clear` with `message_id[]`). Never called with an
    /// empty list: an empty list would clear the whole process.
    public func clear(processID: String, messageIDs: [String]) async throws {
        guard !messageIDs.isEmpty else { return }
        let ids = JSONValue.array(messageIDs.map { .string($0) })
        _ = try await client.eventCall("event.offline.clear", params(["process_id": .string(processID), "message_id": ids]),
                                       destructive: true)
    }

    /// Marks records of a process as failed (`event.offline.error`).
    public func markError(processID: String, messageIDs: [String]) async throws {
        guard !messageIDs.isEmpty else { return }
        let ids = JSONValue.array(messageIDs.map { .string($0) })
        _ = try await client.eventCall("event.offline.error", params(["process_id": .string(processID), "message_id": ids]),
                                       destructive: false)
    }

    /// Process ids that hold reserved records (from `event.offline.list`), in queue order.
    public func reservedProcessIDs() async throws -> [String] {
        var seen: [String] = []
        for record in try await list(filter: ["!PROCESS_ID": ""]) {
            if let id = record["PROCESS_ID"]?.stringValue, !id.isEmpty, !seen.contains(id) { seen.append(id) }
        }
        return seen
    }
}

/// Event bindings of the application (`event.bind`, `event.unbind`, `event.get`).
public struct EventBindings: Sendable {
    public let client: B24Client

    public init(client: B24Client) { self.client = client }

    /// One registration as `event.get` lists it.
    public struct Binding: Sendable, Equatable {
        public var event: String
        public var handler: String
        public var offline: Bool
        public var authType: String
        public var connector: String?
    }

    public func bind(event: String, offline: Bool, handler: String?, authConnector: String?) async throws {
        var object: JSONObject = ["event": .string(event.uppercased())]
        if offline { object["event_type"] = "offline" } else {
            guard let handler, !handler.isEmpty else { throw B24Error.usage("an online binding needs --handler URL") }
            object["handler"] = .string(handler)
        }
        if let handler, offline, !handler.isEmpty { object["handler"] = .string(handler) }
        if let authConnector, !authConnector.isEmpty { object["auth_connector"] = .string(authConnector) }
        _ = try await client.eventCall("event.bind", .object(object))
    }

    /// Removes bindings; returns how many went.
    @discardableResult
    public func unbind(event: String, offline: Bool, handler: String?) async throws -> Int {
        var object: JSONObject = ["event": .string(event.uppercased())]
        if offline { object["event_type"] = "offline" }
        if let handler, !handler.isEmpty { object["handler"] = .string(handler) }
        if !offline, handler?.isEmpty ?? true { throw B24Error.usage("an online unbind needs --handler URL") }
        let envelope = try await client.eventCall("event.unbind", .object(object), destructive: true)
        return Int(envelope["result"]?["count"]?.intValue ?? 0)
    }

    public func list() async throws -> [Binding] {
        let envelope = try await client.eventCall("event.get", .emptyObject)
        return (envelope["result"]?.arrayValue ?? []).map { row in
            Binding(event: row["event"]?.stringValue ?? "", handler: row["handler"]?.stringValue ?? "",
                    offline: (row["offline"]?.intValue ?? 0) != 0, authType: row["auth_type"]?.stringValue ?? "0",
                    connector: row["connector_id"]?.stringValue)
        }
    }
}

extension B24Client {
    /// Calls an event method and returns its envelope, or throws the call's error.
    ///
    /// These calls are the user's explicit request (bind, consume, clear), so confirmations are given here; each
    /// write gets a fresh idempotency key: clearing or binding again is harmless, and a key derived from the
    /// parameters would make a retry after a crash replay (or refuse) instead of doing it.
    func eventCall(_ method: String, _ params: JSONValue, destructive: Bool = false,
                   recording: CallRecording = .standard) async throws -> JSONValue {
        var request = CallRequest(method: method, params: params)
        request.confirmWrite = true
        request.confirmDestructive = destructive
        request.recording = recording
        if risk(of: method, params: params).mayChangeData { request.idempotencyKey = "b24-events-" + UUID().uuidString }
        let outcome = await call(request)
        return try outcome.result.get()
    }
}
