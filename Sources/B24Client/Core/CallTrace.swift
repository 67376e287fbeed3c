import B24Catalog
import B24Wire
import Foundation

/// Everything that happened during one call, with secrets already masked.
///
/// History, the audit log, the console's inspector and the debugger all read traces; nothing re-derives them.
public struct CallTrace: Sendable, Codable, Equatable {
    /// Unique id of the call (also shown in history).
    public var id: String
    public var profile: String
    public var method: String
    public var apiVersion: APIVersion
    public var risk: String
    /// The request as sent: URL and parameters with secrets masked.
    public var request: RequestRecord
    public var startedAt: Date
    public var duration: TimeInterval = 0
    /// Every HTTP attempt, in order.
    public var attempts: [Attempt] = []
    /// Waits before or between attempts: limiter, backoff, operating-time reset.
    public var waits: [Wait] = []
    /// Token refreshes done for this call.
    public var refreshes: [Refresh] = []
    /// The final response envelope on success (or a replayed one).
    public var response: JSONValue?
    /// The final error, if the call failed.
    public var error: TraceError?
    public var planID: String?
    public var idempotencyKey: String?
    /// True when the response came from the idempotency store and the portal was not called.
    public var replayed = false
    /// The group the call was made in (a chain run's step), nil for a call of its own.
    public var group: String?
    /// The hash of the reviewed diff this write applied (nil: not reviewed).
    public var diffHash: String?
    /// The reviewed diff's change summary: field names, never values.
    public var changeSummary: String?

    public init(id: String = UUID().uuidString.lowercased(), profile: String, method: String, apiVersion: APIVersion,
                risk: String, request: RequestRecord, startedAt: Date = Date())
    {
        self.id = id
        self.profile = profile
        self.method = method
        self.apiVersion = apiVersion
        self.risk = risk
        self.request = request
        self.startedAt = startedAt
    }

    /// "ok", "partial" (a batch in which some commands failed), "error" (a failed call, or a batch in which every
    /// command failed), "unknown" (outcome unknown) or "cancelled" (the caller stopped it), for audit lines and
    /// history lists.
    public var status: String {
        guard let error else {
            guard let response, B24Client.hasFailedCommands(response) else { return "ok" }
            return B24Client.noCommandSucceeded(response) ? "error" : "partial"
        }
        switch error.code {
        case "OUTCOME_UNKNOWN": return "unknown"
        case "CANCELLED": return "cancelled"
        default: return "error"
        }
    }

    /// The request as it went on the wire, masked.
    public struct RequestRecord: Sendable, Codable, Equatable {
        public var httpMethod: String
        public var url: String
        public var params: JSONValue
        public var headers: [String: String]

        public init(httpMethod: String, url: String, params: JSONValue, headers: [String: String] = [:]) {
            self.httpMethod = httpMethod
            self.url = url
            self.params = params
            self.headers = headers
        }
    }

    /// One HTTP exchange.
    public struct Attempt: Sendable, Codable, Equatable {
        public var number: Int
        public var startedAt: Date
        public var duration: TimeInterval
        /// HTTP status, nil when no response came.
        public var httpStatus: Int?
        /// Portal error code or failure kind, nil on success.
        public var errorCode: String?
        /// What b24 decided after this attempt: "done", "retry", "refresh", "give up".
        public var decision: String
        public var note: String?
        /// Why b24 stopped after this attempt ("retrying cannot help", "the write may have run"); nil otherwise and
        /// in traces recorded before it was kept.
        public var why: String?

        public init(number: Int, startedAt: Date, duration: TimeInterval, httpStatus: Int?, errorCode: String?,
                    decision: String, note: String? = nil)
        {
            self.number = number
            self.startedAt = startedAt
            self.duration = duration
            self.httpStatus = httpStatus
            self.errorCode = errorCode
            self.decision = decision
            self.note = note
        }
    }

    /// Time spent waiting and why.
    public struct Wait: Sendable, Codable, Equatable {
        /// "limiter", "backoff", "operating-reset".
        public var reason: String
        public var seconds: TimeInterval
        /// When the wait began (nil in traces recorded before it was kept).
        public var at: Date?
        /// What was waited for, in words ("for the rate limiter of HOST").
        public var detail: String?

        public init(reason: String, seconds: TimeInterval, at: Date? = nil, detail: String? = nil) {
            self.reason = reason
            self.seconds = seconds
            self.at = at
            self.detail = detail
        }
    }

    /// One token refresh, or joining another caller's refresh.
    public struct Refresh: Sendable, Codable, Equatable {
        public var at: Date
        /// "refreshed", "joined" (another call or process refreshed), "failed".
        public var outcome: String
        public var note: String?

        public init(at: Date, outcome: String, note: String? = nil) {
            self.at = at
            self.outcome = outcome
            self.note = note
        }
    }

    /// The final error in a storable form.
    public struct TraceError: Sendable, Codable, Equatable {
        public var code: String
        public var message: String
        public var exitCode: Int32
        public var httpStatus: Int?

        public init(_ error: B24Error, redactor: Redactor) {
            code = error.auditCode
            message = redactor.redact(error.message)
            exitCode = error.exitCode
            if case .portal(let portal) = error { httpStatus = portal.httpStatus }
            if case .http(let status, _) = error { httpStatus = status }
        }
    }
}

extension CallTrace {
    /// The trace as JSON without its two JSON values (request parameters and response), in the layout of its
    /// `Codable` form, so `JSONDecoder` reads it back. History stores this on every call; building it by hand
    /// spares each `b24 call` the milliseconds Foundation's JSONEncoder spends on runtime type lookups.
    func skeletonJSON() -> JSONValue {
        func date(_ value: Date) -> JSONValue { .double(value.timeIntervalSinceReferenceDate) }
        func optional(_ text: String?) -> JSONValue? { text.map { .string($0) } }
        func optional(_ number: Int?) -> JSONValue? { number.map { .int(Int64($0)) } }
        func object(_ members: [(String, JSONValue?)]) -> JSONValue {
            var result = JSONObject()
            for (key, value) in members.sorted(by: { $0.0 < $1.0 }) { if let value { result[key] = value } }
            return .object(result)
        }
        var headers = JSONObject()
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { headers[name] = .string(value) }
        return object([
            ("id", .string(id)), ("profile", .string(profile)), ("method", .string(method)),
            ("apiVersion", .string(apiVersion.rawValue)), ("risk", .string(risk)),
            ("request", object([
                ("httpMethod", .string(request.httpMethod)), ("url", .string(request.url)),
                ("params", .emptyObject), ("headers", .object(headers)),
            ])),
            ("startedAt", date(startedAt)), ("duration", .double(duration)),
            ("attempts", .array(attempts.map { attempt in
                object([
                    ("number", .int(Int64(attempt.number))), ("startedAt", date(attempt.startedAt)),
                    ("duration", .double(attempt.duration)), ("httpStatus", optional(attempt.httpStatus)),
                    ("errorCode", optional(attempt.errorCode)), ("decision", .string(attempt.decision)),
                    ("note", optional(attempt.note)), ("why", optional(attempt.why)),
                ])
            })),
            ("waits", .array(waits.map {
                object([("reason", .string($0.reason)), ("seconds", .double($0.seconds)), ("at", $0.at.map(date)),
                        ("detail", optional($0.detail))])
            })),
            ("refreshes", .array(refreshes.map {
                object([("at", date($0.at)), ("outcome", .string($0.outcome)), ("note", optional($0.note))])
            })),
            ("error", error.map { error in
                object([
                    ("code", .string(error.code)), ("message", .string(error.message)),
                    ("exitCode", .int(Int64(error.exitCode))), ("httpStatus", optional(error.httpStatus)),
                ])
            }),
            ("planID", optional(planID)), ("idempotencyKey", optional(idempotencyKey)), ("replayed", .bool(replayed)),
            ("group", optional(group)),
        ])
    }
}
