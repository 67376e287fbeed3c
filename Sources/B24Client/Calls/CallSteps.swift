import B24Wire
import Foundation

/// One line of a call's step view: what happened, when, and how it went. Built from a ``CallTrace`` (stored, or
/// folded live from the call's events by ``TraceBuilder``), so the console's step view and `b24 history ID` tell
/// the same story. Everything in it is already masked.
public struct CallStep: Sendable, Equatable {
    /// What the step is: the request, a wait, an attempt, a token refresh, the outcome, or a batch command.
    public enum Kind: String, Sendable { case request, wait, attempt, refresh, outcome, command }
    /// How the step went, for colour.
    public enum Tone: Sendable, Equatable { case plain, good, warning, bad, muted }

    public var kind: Kind
    /// Seconds after the call started; nil when not known (waits in traces recorded before times were kept).
    public var offset: TimeInterval?
    public var summary: String
    /// Further lines: the portal's words, the reason for a decision, the cause and the next action of an error.
    public var details: [String]
    public var tone: Tone
    /// A wait still running: when it ends, so a view can count down.
    public var endsAt: Date?

    public init(_ kind: Kind, at offset: TimeInterval?, _ summary: String, details: [String] = [], tone: Tone = .plain,
                endsAt: Date? = nil)
    {
        self.kind = kind
        self.offset = offset
        self.summary = summary
        self.details = details
        self.tone = tone
        self.endsAt = endsAt
    }
}

extension CallTrace {
    /// The call's steps in the order they happened: the request, then waits, attempts (each with b24's decision) and
    /// token refreshes by time, then what is under way (`current`, for a running call) or how it ended, and for a
    /// batch one row per command.
    public func steps(current: TraceBuilder.InProgress? = nil, finished: Bool = true) -> [CallStep] {
        var steps = [CallStep(.request, at: 0, "request  \(request.httpMethod) \(request.url)",
                              details: ["params " + JSONWriter.compact(request.params)])]
        var timed: [(Date?, Int, CallStep)] = []
        for (index, wait) in waits.enumerated() {
            timed.append((wait.at, index, CallStep(.wait, at: offset(wait.at), "wait \(formatDuration(wait.seconds)) (\(wait.reason))",
                                                   details: wait.detail.map { [$0] } ?? [], tone: .warning)))
        }
        for attempt in attempts {
            var answer = attempt.httpStatus.map { "HTTP \($0)" } ?? "no answer"
            if let code = attempt.errorCode { answer += " \(code)" }
            var details: [String] = []
            if let note = attempt.note { details.append(note) }
            var decision = "→ " + attempt.decision
            if let why = attempt.why { decision += ": " + why }
            details.append(decision)
            let tone: CallStep.Tone = attempt.errorCode == nil ? .good : (attempt.decision == "done" || attempt.decision == "give up" ? .bad : .warning)
            timed.append((attempt.startedAt, 0, CallStep(.attempt, at: offset(attempt.startedAt),
                                                         "attempt \(attempt.number)  \(answer)  in \(formatDuration(attempt.duration))",
                                                         details: details, tone: tone)))
        }
        for refresh in refreshes {
            timed.append((refresh.at, 0, CallStep(.refresh, at: offset(refresh.at), "token \(refresh.outcome)",
                                                  details: refresh.note.map { [$0] } ?? [], tone: refresh.outcome == "failed" ? .bad : .plain)))
        }
        // Waits whose time was not kept come first (they precede the attempt they delay), in recorded order.
        timed.sort { a, b in
            switch (a.0, b.0) {
            case (nil, nil): return a.1 < b.1
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x < y
            }
        }
        steps += timed.map(\.2)
        if !finished {
            // A running wait is already the last wait step: it gets its end, not a second line.
            if case .waiting(let wait, let since)? = current, let index = steps.lastIndex(where: { $0.kind == .wait }) {
                steps[index].summary = "waiting \(formatDuration(wait.seconds)) (\(wait.reason.rawValue))"
                steps[index].endsAt = since.addingTimeInterval(wait.seconds)
            } else {
                steps.append(running(current))
            }
            return steps
        }
        steps.append(outcomeStep)
        steps += BatchSteps.commands(request: request.params, response: response)
        return steps
    }

    private func offset(_ date: Date?) -> TimeInterval? { date.map { max(0, $0.timeIntervalSince(startedAt)) } }

    private func running(_ current: TraceBuilder.InProgress?) -> CallStep {
        switch current {
        case .attempt(let number, let since)?:
            return CallStep(.attempt, at: offset(since), "attempt \(number)  sent, waiting for the answer…", tone: .warning)
        case .waiting(let wait, let since)?:
            return CallStep(.wait, at: offset(since), "waiting \(formatDuration(wait.seconds)) (\(wait.reason.rawValue))",
                            details: [wait.detail], tone: .warning, endsAt: since.addingTimeInterval(wait.seconds))
        case .refreshing(let since)?:
            return CallStep(.refresh, at: offset(since), "refreshing the access token…", tone: .warning)
        case nil:
            return CallStep(.outcome, at: nil, "running…", tone: .warning)
        }
    }

    private var outcomeStep: CallStep {
        let took = "in " + formatDuration(duration)
        if let error {
            var details = [error.message]
            if let explanation = ErrorCatalog.explain(recorded: error) {
                // The recorded line ends with the same advice (the CLI's adds a command): said once, under "next".
                if let cut = error.message.range(of: " — " + explanation.action) {
                    details = [String(error.message[..<cut.lowerBound])]
                }
                details += ["why: " + explanation.cause, "next: " + explanation.action]
            }
            let status = self.status == "cancelled" ? "cancelled" : "failed"
            return CallStep(.outcome, at: duration, "\(status) \(took)  \(error.code)" + (error.httpStatus.map { " (HTTP \($0))" } ?? ""),
                            details: details, tone: status == "cancelled" ? .warning : .bad)
        }
        var summary = "\(status) \(took)"
        if replayed { summary += "  (replayed from the idempotency store: the portal was not called)" }
        if let result = response?["result"] {
            switch result {
            case .array(let items): summary += "  · \(counted(items.count, "item"))"
            case .object(let object): summary += "  · an object with \(counted(object.count, "field"))"
            default: summary += "  · " + JSONWriter.compact(result).prefix(60)
            }
        }
        if let total = response?["total"]?.intValue { summary += ", total \(total)" }
        return CallStep(.outcome, at: duration, summary, tone: status == "ok" ? .good : .warning)
    }
}
