import B24Client
import Foundation
import TerminalKit

/// The inspector's step view (`s`), the debugger: the call as it happens and afterwards, from the client's call
/// events — the request as sent (masked), each attempt with its HTTP status, error code and duration, waits with
/// their reason counting down, token refreshes, each decision to retry or stop and why, the outcome with the
/// error's cause and next action, and a batch's commands. `x` cancels the call, and with it any wait.
extension InspectorScreen {
    static let clockName = "clock"

    /// The steps shown: live while the call runs, else the finished or stored trace's.
    var callSteps: [CallStep] {
        if let live, outcome == nil { return live.trace.steps(current: live.current, finished: false) }
        return finishedTrace?.steps() ?? []
    }

    /// Where details start: after the time column.
    static let detailIndent = 12

    /// The steps laid out as lines for a list `width` columns wide: each step's line, then its details indented and
    /// wrapped, so an explanation is read whole.
    func stepLines(width: Int) -> [StepLine] {
        let room = max(20, width - 4 - Self.detailIndent)  // borders and the row's margins
        var lines: [StepLine] = []
        for step in callSteps {
            lines.append(StepLine(step: step, detail: nil))
            for detail in step.details { lines += wrap(detail, width: room).map { StepLine(step: step, detail: $0) } }
        }
        if let explanation = explanationLine { lines.append(explanation) }
        return lines
    }

    /// One line of the step view.
    struct StepLine {
        var step: CallStep
        /// nil: the step's own line; else one of its details.
        var detail: String?
    }

    func stepRow(_ position: Int, lines: [StepLine]) -> ListRow {
        guard position < lines.count else { return ListRow([]) }
        let line = lines[position]
        if let detail = line.detail { return ListRow([Span(String(repeating: " ", count: Self.detailIndent) + detail, .muted)]) }
        let step = line.step
        let at = step.offset.map { "+" + formatDuration($0) } ?? ""
        var text = step.summary
        if let ends = step.endsAt, let now {
            // First, so a narrow terminal still shows it.
            text = "\(Int(max(0, ends.timeIntervalSince(now)).rounded(.up))) s left (x cancels) · " + text
        }
        return ListRow([Span(at.padding(toLength: Self.detailIndent, withPad: " ", startingAt: 0), .muted), Span(text, role(step.tone))])
    }

    /// True when the call answered with an empty list: worth a diagnosis.
    var answeredEmpty: Bool {
        guard outcome?.status == "ok", let envelope = outcome?.envelope else { return false }
        return DiagnosisSubject.rows(in: envelope) == 0
    }

    /// The key that does the error's next step, when there is one, as the last line.
    private var explanationLine: StepLine? {
        if answeredEmpty {
            return StepLine(step: CallStep(.outcome, at: nil, "key: d diagnoses why the list is empty (read-only variants of the call)"), detail: nil)
        }
        guard let error = finishedTrace?.error, let remedy = ErrorCatalog.explain(recorded: error)?.remedy else { return nil }
        let words: String
        switch remedy {
        case .diagnose: words = "d diagnoses this call against the portal (read-only)"
        case .editCall: words = "e opens the call in its form to fix the parameters"
        case .retryLater: words = "F5 sends it again"
        case .login: words = "in a shell: b24 login PROFILE (an OAuth profile), or fix the webhook URL with b24 profile add"
        case .useApplication: words = ":profile NAME switches to a profile that signs in as an application"
        case .checkBeforeRetry: words = "read the object first (e.g. its .get method), then decide whether to send it again"
        case .splitBatch: words = "e opens the batch in its form: split it, or send the command on its own"
        }
        return StepLine(step: CallStep(.outcome, at: nil, "key: " + words, tone: .plain), detail: nil)
    }

    private func role(_ tone: CallStep.Tone) -> ThemeRole {
        switch tone {
        case .plain: return .text
        case .good: return .success
        case .warning: return .warning
        case .bad: return .error
        case .muted: return .muted
        }
    }

    /// `s`: the steps, or back to the result.
    mutating func toggleSteps() -> KeyResult {
        guard live != nil || finishedTrace != nil else {
            return .handled([.status(StatusMessage("no steps yet: the call has not been sent", kind: .warning))])
        }
        showsSteps.toggle()
        if showsSteps { showsRaw = false }
        nav = PaneNavigator(paneCount: 1)
        return .handled([])
    }

    /// `x` on a running call: it stops at once, a wait included; the client records it as cancelled.
    mutating func cancelCall() -> KeyResult {
        outcome = Outcome(request: live?.trace.request, envelope: nil, error: "cancelled by you while it ran (nothing more is sent)",
                          status: "cancelled", duration: 0, attempts: live?.trace.attempts.count ?? 0,
                          waited: live?.trace.waits.reduce(0) { $0 + $1.seconds } ?? 0)
        if var trace = live?.trace {
            trace.error = CallTrace.TraceError(.cancelled(method: method), redactor: Redactor())
            trace.duration = now.map { $0.timeIntervalSince(trace.startedAt) } ?? 0
            finishedTrace = trace
        }
        live = nil
        var effects: [Effect] = [.cancel(.mine(callName))] + stopClock() + [.status(StatusMessage("call cancelled", kind: .warning))]
        if let step = draft?.chainStep, let trace = finishedTrace {  // the run records it as cancelled, not skipped
            effects.append(.run(.chain(.stepDone(step, method: method, params: params, envelope: nil, callID: trace.id,
                                                 status: "cancelled"))))
        }
        return .handled(effects)
    }

    /// Folds an event of the running call into the live trace; a wait starts the clock that counts it down.
    mutating func followed(_ event: CallEvent, at: Date) -> [Effect] {
        if live == nil {
            let request = CallTrace.RequestRecord(httpMethod: "POST", url: "", params: params)
            live = TraceBuilder(CallTrace(profile: "", method: method, apiVersion: apiVersion, risk: "", request: request, startedAt: at))
        }
        live?.apply(event, now: at)
        now = at
        if case .waiting? = live?.current, !clockRuns {
            clockRuns = true
            return [.stream(.mine(Self.clockName), .clock(every: 0.25))]
        }
        return []
    }

    /// A clock beat: the countdown moves; once nothing waits, the clock stops.
    mutating func clockBeat(_ answer: Answer) -> [Effect] {
        guard case .streamed(.clock(let date)) = answer else {
            clockRuns = false
            return []
        }
        now = date
        if case .waiting? = live?.current, outcome == nil { return [] }
        return stopClock()
    }

    mutating func stopClock() -> [Effect] {
        guard clockRuns else { return [] }
        clockRuns = false
        return [.cancel(.mine(Self.clockName))]
    }

    /// `d`: a read-only diagnosis of the finished call, on a page of its own.
    func diagnose() -> KeyResult {
        guard outcome != nil, !method.isEmpty else {
            return .handled([.status(StatusMessage("diagnose works on a finished call: send it first (or wait for it)", kind: .warning))])
        }
        let subject = finishedTrace.map(DiagnosisSubject.init(trace:))
            ?? DiagnosisSubject(method: method, params: params, apiVersion: apiVersion, errorCode: outcome?.status == "ok" ? nil : "UNKNOWN",
                                errorMessage: outcome?.error)
        return .handled([.run(.open(.diagnose(subject)))])
    }
}
