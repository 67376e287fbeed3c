import Foundation

/// Why a call is waiting.
public enum WaitReason: String, Sendable, Equatable {
    /// The shared leaky bucket has no free slot yet.
    case limiter
    /// A pause before the next attempt after a transient failure.
    case backoff
    /// The method's operating-time budget is spent; the wait ends when the portal's window resets.
    case operatingReset = "operating-reset"
}

/// One wait of a call, announced before it starts.
public struct CallWait: Sendable, Equatable {
    public var reason: WaitReason
    /// How long the wait lasts.
    public var seconds: TimeInterval
    /// What is waited for, in plain words and without command-line flags, as it reads after "waiting 12 s ":
    /// "for the rate limiter of portal.bitrix24.com:443", "before attempt 2 of user.current (backoff after
    /// QUERY_LIMIT_EXCEEDED)", "for the operating-time budget of crm.lead.list to reset".
    public var detail: String

    public init(reason: WaitReason, seconds: TimeInterval, detail: String) {
        self.reason = reason
        self.seconds = seconds
        self.detail = detail
    }
}

/// What b24 decided after an attempt.
public enum CallDecision: Sendable, Equatable {
    /// The attempt answered; the call is over.
    case done
    /// Another attempt follows; `reason` is "backoff" or "operating-reset".
    case retry(reason: String)
    /// The access token expired: refresh it once, then try again.
    case refresh
    /// The portal answered with a redirect to a new address; the request is sent there once.
    case followMove(host: String)
    /// No more attempts; `reason` says why in a few words ("retrying cannot help", "the write may have run", …).
    case stop(reason: String)

    /// The decision as a trace records it ("done", "retry (backoff)", "refresh token", "follow once", "give up").
    public var traceLabel: String {
        switch self {
        case .done: return "done"
        case .retry(let reason): return "retry (\(reason))"
        case .refresh: return "refresh token"
        case .followMove: return "follow once"
        case .stop: return "give up"
        }
    }
}

/// One step of a call as it runs. Everything an event carries is already masked: no webhook code or token.
///
/// A call emits `.started`, then per attempt `.attemptStarted`, `.attemptAnswered` and `.decision`, with
/// `.waiting` before any wait and `.refreshStarted`/`.refreshFinished` around a token refresh, and ends with
/// `.finished`. A call refused before it reached the network emits only `.started` and `.finished`.
public enum CallEvent: Sendable, Equatable {
    /// The call passed its checks (or was refused: `.finished` follows at once); the request is masked.
    case started(method: String, risk: String, request: CallTrace.RequestRecord)
    /// A request is about to leave.
    case attemptStarted(number: Int)
    /// The attempt ended: HTTP status (nil when no answer came), the error code (nil on success), how long it took,
    /// and the attempt's error as one masked line (nil on success).
    case attemptAnswered(number: Int, httpStatus: Int?, errorCode: String?, duration: TimeInterval, note: String?)
    /// A wait is about to start.
    case waiting(CallWait)
    /// The OAuth access token is being refreshed (or another caller's refresh joined).
    case refreshStarted
    /// The refresh ended: "refreshed", "joined" or "failed", with the masked failure when it failed.
    case refreshFinished(outcome: String, note: String?)
    /// What b24 decided after the last attempt.
    case decision(CallDecision)
    /// The call is over: "ok", "partial", "error", "unknown" (a write's outcome) or "cancelled".
    case finished(status: String)
}

/// Hears every event of a call, on the task that runs the call; it must return quickly.
public typealias CallObserver = @Sendable (CallEvent) -> Void

/// Where a finished call is recorded.
public struct CallRecording: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Kept in the SQLite history (`b24 history`).
    public static let history = CallRecording(rawValue: 1 << 0)
    /// One line in the JSONL audit log.
    public static let audit = CallRecording(rawValue: 1 << 1)
    /// Whatever the client's ``ClientOptions`` say (`history`, `audit`): the default.
    public static let standard = CallRecording(rawValue: 1 << 2)
    /// Not recorded at all, as for a console's background discovery reads.
    public static let none: CallRecording = []

    /// The places to record in, with `.standard` resolved against the client's options.
    func resolved(_ options: ClientOptions) -> CallRecording {
        guard contains(.standard) else { return self }
        var result = subtracting(.standard)
        if options.history { result.insert(.history) }
        if options.audit { result.insert(.audit) }
        return result
    }
}
