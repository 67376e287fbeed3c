import B24Catalog
import B24Wire
import Foundation

/// One row of the call history list: what `b24 history` and the console's history pane show.
///
/// The full trace is loaded on demand with ``B24Store/trace(id:)``.
public struct HistoryEntry: Sendable, Equatable {
    public var id: String
    public var startedAt: Date
    public var profile: String
    public var method: String
    public var apiVersion: APIVersion
    /// "ok", "error" or "unknown" (see ``CallTrace/status``).
    public var status: String
    public var errorCode: String?
    public var duration: TimeInterval
    public var risk: String
    /// The group of calls it was made in ("chain core.lead-intake · run 3f2a · step 2/3"), nil for a call of its own.
    public var group: String?

    public init(id: String, startedAt: Date, profile: String, method: String, apiVersion: APIVersion, status: String,
                errorCode: String?, duration: TimeInterval, risk: String, group: String? = nil)
    {
        self.group = group
        self.id = id
        self.startedAt = startedAt
        self.profile = profile
        self.method = method
        self.apiVersion = apiVersion
        self.status = status
        self.errorCode = errorCode
        self.duration = duration
        self.risk = risk
    }
}

/// A call prepared by `b24 plan` and run later, once, by `b24 execute <id>`.
///
/// A plan is bound to the profile it was made for, expires, and can be consumed only once (see
/// ``B24Store/consumePlan(id:profile:now:)``).
///
/// Note: the synthesized `Codable` conformance codes `params` structurally, which does not keep key order
/// with Foundation's coders; the store itself keeps `params` as JSON text so order survives there.
public struct StoredPlan: Sendable, Codable, Equatable {
    /// Short random id, 12 lowercase hex digits.
    public var id: String
    public var profile: String
    public var method: String
    public var apiVersion: APIVersion
    /// The parameters exactly as they will be sent.
    public var params: JSONValue
    public var risk: String
    public var createdAt: Date
    public var expiresAt: Date
    /// When the plan was executed; nil while it is still usable.
    public var usedAt: Date?
    /// For a plan made from a reviewed diff: per command, `{"key", "oldValues"}` — the values the diff showed
    /// for the fields it writes. Executing it on a record where any of them moved is refused as stale.
    public var expected: JSONValue?
    /// The reviewed diff's hash (recorded in the audit line when the plan runs).
    public var diffHash: String?

    public init(id: String = StoredPlan.newID(), profile: String, method: String, apiVersion: APIVersion = .v2,
                params: JSONValue, risk: String, createdAt: Date = Date(), expiresAt: Date, usedAt: Date? = nil)
    {
        self.id = id
        self.profile = profile
        self.method = method
        self.apiVersion = apiVersion
        self.params = params
        self.risk = risk
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    /// A fresh random plan id: 48 random bits as 12 hex digits (short enough to type, long enough not to collide
    /// among the few plans a machine holds).
    public static func newID() -> String {
        SHA256Hasher.hex((0..<6).map { _ in UInt8.random(in: 0...255) })
    }
}

/// A stored response for an idempotency key: a second call with the same key replays it instead of writing again.
/// What claiming an idempotency key before a write found (``B24Store/claimIdempotencyKey(key:profile:method:paramsHash:ttl:now:)``).
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is ours: send the write.
    case claimed
    /// The same write already succeeded: return its stored answer.
    case replay(IdempotencyRecord)
    /// The same write is being sent right now (or its process died while sending).
    case inFlight(since: Date)
    /// The same write was sent and no answer came: it may have run.
    case outcomeUnknown(since: Date)
    /// The key was used for a different method or different parameters.
    case usedByOtherCall(method: String)
}

public struct IdempotencyRecord: Sendable, Equatable {
    public var key: String
    public var profile: String
    public var method: String
    /// ``B24Store/paramsHash(_:)`` of the parameters first sent with this key, to detect a key reused for
    /// different parameters.
    public var paramsHash: String
    /// The response envelope of the first call.
    public var response: JSONValue
    public var createdAt: Date
    public var expiresAt: Date

    public init(key: String, profile: String, method: String, paramsHash: String, response: JSONValue,
                createdAt: Date, expiresAt: Date)
    {
        self.key = key
        self.profile = profile
        self.method = method
        self.paramsHash = paramsHash
        self.response = response
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// How many rows ``B24Store/purgeExpired(now:retention:)`` removed.
public struct PurgeResult: Sendable, Equatable {
    public var plans: Int
    public var idempotencyKeys: Int
    public var history: Int
    /// Large responses no call referred to any more (see ``B24Store/bodyThreshold``).
    public var bodies: Int = 0
}

/// How much call history the database keeps: calls younger than `days`, and at most the newest `maximumCalls`.
/// Nil keeps without that limit. An agent making thousands of calls a day would otherwise grow the database
/// without end; the database prunes itself when opened (at most once an hour, ``B24Store``).
public struct HistoryRetention: Sendable, Equatable {
    public var days: Int?
    public var maximumCalls: Int?

    public init(days: Int?, maximumCalls: Int?) {
        self.days = days
        self.maximumCalls = maximumCalls
    }

    /// 30 days, 20 000 calls.
    public static let standard = HistoryRetention(days: 30, maximumCalls: 20_000)
    /// Keeps everything (plans and idempotency keys still expire).
    public static let unlimited = HistoryRetention(days: nil, maximumCalls: nil)

    /// The standard retention with `B24_HISTORY_DAYS` and `B24_HISTORY_MAX_CALLS` applied (0: no limit).
    /// Throws `.usage` naming the variable when a value is not a whole number of 0 or more.
    public init(environment: [String: String]) throws {
        self = .standard
        if let days = try Self.limit(environment, "B24_HISTORY_DAYS", unit: "days") { self.days = days }
        if let calls = try Self.limit(environment, "B24_HISTORY_MAX_CALLS", unit: "calls") { maximumCalls = calls }
    }

    /// nil: the variable is unset; `.some(nil)`: 0, no limit.
    private static func limit(_ environment: [String: String], _ name: String, unit: String) throws -> Int?? {
        guard let text = environment[name]?.trimmingWhitespace, !text.isEmpty else { return nil }
        guard let number = Int(text), number >= 0 else {
            throw B24Error.usage("\(name) must be a whole number of \(unit) (0 keeps history without that limit), not \"\(text)\"")
        }
        return .some(number == 0 ? nil : number)
    }

    /// The age in seconds beyond which calls are deleted.
    var maximumAge: TimeInterval? { days.map { TimeInterval($0) * 86_400 } }
}

extension JSONValue {
    /// The same value with every object's keys sorted by their UTF-8 bytes, recursively.
    ///
    /// Two parameter sets that differ only in key order are the same request, so hashes use this form.
    public var canonicalized: JSONValue {
        switch self {
        case .array(let items):
            return .array(items.map(\.canonicalized))
        case .object(let object):
            var sorted = JSONObject()
            // Byte order, not String order, so the canonical form does not depend on Unicode collation rules.
            for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                sorted[key] = object[key]!.canonicalized
            }
            return .object(sorted)
        default:
            return self
        }
    }

    /// Compact JSON text of ``canonicalized``.
    public var canonicalJSON: String { JSONWriter.compact(canonicalized) }
}
