import B24Wire
import Foundation

/// Where an event came from.
public enum EventSource: String, Sendable, Codable, CaseIterable {
    /// A form-encoded POST that reached b24's receiver.
    case online
    /// A record read from the portal's offline queue (`event.offline.list` / `.get`).
    case offline
}

/// One event as b24 saw it: an online delivery or an offline queue record, with its secrets masked.
///
/// The payload kept here never holds a token: `auth[access_token]`, `auth[refresh_token]` and
/// `auth[application_token]` are masked before the record exists, so nothing downstream (store, screen, JSON
/// lines) can leak them.
public struct ReceivedEvent: Sendable, Equatable {
    /// Row id in the store (0 until stored).
    public var id: Int64
    public var source: EventSource
    public var receivedAt: Date
    /// Upper-case event name (`ONCRMLEADADD`).
    public var event: String
    /// The object the event is about (`data[FIELDS][ID]`, `FIELDS_AFTER[ID]`, …), when it has one.
    public var entityID: String?
    /// `event_handler_id` of an online delivery.
    public var handlerID: String?
    /// `MESSAGE_ID` of an offline record.
    public var messageID: String?
    /// The whole delivery or record, secrets masked.
    public var payload: JSONValue
    /// An offline record whose online delivery never arrived.
    public var missedOnline: Bool

    public init(id: Int64 = 0, source: EventSource, receivedAt: Date, event: String, entityID: String?,
                handlerID: String? = nil, messageID: String? = nil, payload: JSONValue, missedOnline: Bool = false) {
        self.id = id
        self.source = source
        self.receivedAt = receivedAt
        self.event = event
        self.entityID = entityID
        self.handlerID = handlerID
        self.messageID = messageID
        self.payload = payload
        self.missedOnline = missedOnline
    }

    /// The event's data: `data` of a delivery, `EVENT_DATA` of an offline record.
    public var data: JSONValue? { source == .online ? payload["data"] : payload["EVENT_DATA"] }

    /// An online delivery, from its decoded form (`event`, `event_handler_id`, `data`, `ts`, `auth`).
    public static func online(_ form: JSONValue, at date: Date) -> ReceivedEvent {
        let data = form["data"]
        return ReceivedEvent(
            source: .online, receivedAt: date, event: (form["event"]?.stringValue ?? "").uppercased(),
            entityID: data.flatMap(EventFields.entityID), handlerID: form["event_handler_id"]?.stringValue,
            payload: EventFields.maskSecrets(form))
    }

    /// An offline queue record (`ID`, `EVENT_NAME`, `EVENT_DATA`, `MESSAGE_ID`, …).
    public static func offline(_ record: JSONValue, at date: Date) -> ReceivedEvent {
        ReceivedEvent(
            source: .offline, receivedAt: date, event: (record["EVENT_NAME"]?.stringValue ?? "").uppercased(),
            entityID: record["EVENT_DATA"].flatMap(EventFields.entityID), messageID: record["MESSAGE_ID"]?.stringValue,
            payload: EventFields.maskSecrets(record))
    }

    /// The event as one JSON object (what `b24 events tail --json` prints).
    public var json: JSONValue {
        var object: JSONObject = [
            "source": .string(source.rawValue),
            "received_at": .string(EventFields.timestamp(receivedAt)),
            "event": .string(event),
        ]
        if let entityID { object["entity_id"] = .string(entityID) }
        if let handlerID { object["event_handler_id"] = .string(handlerID) }
        if let messageID { object["message_id"] = .string(messageID) }
        if missedOnline { object["missed_online"] = true }
        object["payload"] = payload
        return .object(object)
    }

    /// One line for a person: time, source, event, entity, and a flag when it was missed online. Control
    /// characters from the portal's data are replaced, so a payload cannot drive the terminal.
    public var line: String {
        var text = "\(EventFields.timestamp(receivedAt)) \(source.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(event)"
        if let entityID { text += " id=\(entityID)" }
        if let messageID { text += " message=\(messageID)" }
        if missedOnline { text += " MISSED ONLINE" }
        return EventFields.stripControls(text)
    }
}

/// Field rules shared by the receiver, the queue readers and the worker.
public enum EventFields {
    /// Keys under `auth` whose values are secrets.
    static let secretAuthKeys: Set<String> = ["access_token", "refresh_token", "application_token"]

    /// The object id an event is about: `FIELDS.ID`, `FIELDS_AFTER.ID`, `FIELDS_BEFORE.ID`, `ID` (any case).
    public static func entityID(_ data: JSONValue) -> String? {
        for container in ["FIELDS", "FIELDS_AFTER", "FIELDS_BEFORE"] {
            if let id = data.member(caseInsensitive: container)?.member(caseInsensitive: "ID"), let text = scalar(id) {
                return text
            }
        }
        return data.member(caseInsensitive: "ID").flatMap(scalar)
    }

    private static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .int(let number): return String(number)
        default: return nil
        }
    }

    /// The value with every secret under `auth` replaced by its masked form.
    public static func maskSecrets(_ value: JSONValue) -> JSONValue {
        guard var object = value.objectValue, var auth = object["auth"]?.objectValue else { return value }
        for key in auth.keys where secretAuthKeys.contains(key.lowercased()) {
            auth[key] = .string(Secret(auth[key]?.stringValue ?? "").masked)
        }
        object["auth"] = .object(auth)
        return .object(object)
    }

    /// Text with C0/C1 control characters (and DEL) replaced by `?`: what reaches a terminal.
    public static func stripControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(isControl(scalar) ? "?" : scalar) }
        return String(scalars)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The dedup key of an offline record: SHA-256 of its documented fields `EVENT_NAME`, `EVENT_DATA` and
    /// `MESSAGE_ID` (the queue keeps one record per object and message, so the three name one change).
    public static func dedupKey(_ record: JSONValue) -> String {
        let name = record["EVENT_NAME"]?.stringValue?.uppercased() ?? ""
        let data = record["EVENT_DATA"].map(JSONWriter.compact) ?? "null"
        let message = record["MESSAGE_ID"].map { $0.stringValue ?? JSONWriter.compact($0) } ?? ""
        return SHA256Hasher.hexDigest(name + "\n" + message + "\n" + data)
    }

    /// A time as b24 prints it (ISO 8601 with milliseconds, UTC).
    public static func timestampText(_ date: Date) -> String { timestamp(date) }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Compares two byte strings in time that depends only on their lengths, not on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        // Walk the expected length every time, so a short guess costs the same as a long one.
        for index in 0..<y.count {
            difference |= (index < x.count ? x[index] : 0) ^ y[index]
        }
        return difference == 0
    }
}
