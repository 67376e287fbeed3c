import B24Wire
import Foundation

/// Folds the events of a call into its ``CallTrace``: attempts, waits and token refreshes come from the same
/// stream a watcher sees, so `b24 history ID` shows what the console's debugger showed live.
///
/// The builder starts from the call's identity (id, profile, method, request, plan); ``finish(_:redactor:)``
/// adds the final response or error.
public struct TraceBuilder: Sendable, Equatable {
    /// The trace so far.
    public var trace: CallTrace
    /// The attempt under way: its start, then its answer until the decision about it arrives.
    private var attemptStartedAt: Date?
    private var answered: Answered?

    private struct Answered: Sendable, Equatable {
        var number: Int, httpStatus: Int?, errorCode: String?, duration: TimeInterval, note: String?
    }
    /// What the call is doing right now, for a live step view; nil once it finished.
    public private(set) var current: InProgress?

    /// A step under way.
    public enum InProgress: Sendable, Equatable {
        case attempt(number: Int, since: Date)
        case waiting(CallWait, since: Date)
        case refreshing(since: Date)
    }

    public init(_ trace: CallTrace) {
        self.trace = trace
    }

    /// Applies one event; `now` stamps attempts and refreshes (events are applied as they happen).
    public mutating func apply(_ event: CallEvent, now: Date = Date()) {
        switch event {
        case .started(let method, let risk, let request):
            trace.method = method
            trace.risk = risk
            trace.request = request
        case .attemptStarted(let number):
            attemptStartedAt = now
            current = .attempt(number: number, since: now)
        case .attemptAnswered(let number, let status, let code, let duration, let note):
            answered = Answered(number: number, httpStatus: status, errorCode: code, duration: duration, note: note)
        case .decision(let decision):
            // A decision without an answered attempt (the call was cancelled between attempts) adds nothing.
            guard let answered else { return }
            var attempt = CallTrace.Attempt(
                number: answered.number, startedAt: attemptStartedAt ?? now, duration: answered.duration,
                httpStatus: answered.httpStatus, errorCode: answered.errorCode, decision: decision.traceLabel,
                note: answered.note)
            if case .stop(let reason) = decision { attempt.why = reason }
            trace.attempts.append(attempt)
            current = nil
            self.answered = nil
            attemptStartedAt = nil
        case .waiting(let wait):
            trace.waits.append(.init(reason: wait.reason.rawValue, seconds: wait.seconds, at: now, detail: wait.detail))
            current = .waiting(wait, since: now)
        case .refreshStarted:
            current = .refreshing(since: now)
        case .refreshFinished(let outcome, let note):
            trace.refreshes.append(.init(at: now, outcome: outcome, note: note))
            current = nil
        case .finished:
            current = nil
        }
    }

    /// The trace with the call's end: its duration, and the response or the masked error.
    public func finish(_ result: Result<JSONValue, B24Error>, redactor: Redactor, now: Date = Date()) -> CallTrace {
        var trace = self.trace
        trace.duration = now.timeIntervalSince(trace.startedAt)
        switch result {
        case .success(let envelope): trace.response = envelope
        case .failure(let error): trace.error = CallTrace.TraceError(error, redactor: redactor)
        }
        return trace
    }
}
