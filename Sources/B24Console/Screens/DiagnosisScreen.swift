import B24Client
import B24Wire
import TerminalKit

/// `d` on a call: a read-only diagnosis of a failed or empty call. The verdict on top, then each finding as it
/// arrives (the method exists, the scope it needs, who the call runs as, webhook or application, the limits, and for
/// a list the variants tried with their counts), then the read calls made. Enter on a variant sends it as a call of
/// its own (a read), e edits it in its form; F5 runs the diagnosis again. Writes are never sent again.
struct DiagnosisScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    let subject: DiagnosisSubject
    private(set) var findings: [DiagnosisFinding] = []
    private(set) var report: DiagnosisReport?
    private(set) var failure: String?
    private var runs = 0

    init(subject: DiagnosisSubject) { self.subject = subject }

    var route: Route { .diagnose(subject) }

    private var runName: String { "diagnosis#\(runs)" }

    mutating func opened(_ app: ConsoleState) -> [Effect] { start() }

    mutating func refresh(_ app: ConsoleState) -> [Effect] { [.cancel(.mine(runName))] + start() }

    private mutating func start() -> [Effect] {
        runs += 1
        findings = []
        report = nil
        failure = nil
        return [.stream(.mine(runName), .diagnosis(subject))]
    }

    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        guard id.name == runName else { return [] }
        switch answer {
        case .streamed(.finding(let finding)): findings.append(finding)
        case .streamed(.diagnosed(let done)):
            report = done
            findings = done.findings
        case .ended(let why?) where report == nil: failure = why
        default: break
        }
        return []
    }

    func panes(_ app: ConsoleState) -> [Pane] { [Pane("Findings", rows)] }

    private var rows: [PaneRow] {
        var rows = findings.map { finding -> PaneRow in
            let (mark, role): (String, ThemeRole) = switch finding.kind {
            case .fine: ("ok   ", .success)
            case .cause: ("cause", .error)
            case .note: ("note ", .muted)
            }
            let target: RowTarget = finding.params.map {
                .route(.send(CallDraft(method: finding.method ?? subject.method, params: $0, apiVersion: subject.apiVersion)))
            } ?? .none
            // A variant's evidence starts with what changed; other checks are named first.
            let named = finding.params == nil ? [Span(pad(truncate(finding.check, toWidth: 15), toWidth: 16), .primary)] : []
            return PaneRow([Span(mark + "  ", role)] + named + [Span(finding.evidence)], target: target)
        }
        if let report {
            rows.append(PaneRow([Span("Read calls made (none of them a write)", .header)]))
            rows += report.calls.map { PaneRow([Span("  " + $0, .muted)]) }
        }
        return rows
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        screen.put("diagnose " + subject.method, at: rect.origin, style: theme[.title], clip: rect)
        var facts: [(label: String, value: [Span])] = []
        if let report {
            let found = report.findings.contains { $0.kind == .cause }
            facts.append(("Verdict", [Span(report.verdict, found ? .warning : .text)]))
        } else if let failure {
            facts.append(("Verdict", [Span("the diagnosis stopped: \(failure)", .error)]))
        } else {
            facts.append(("Verdict", [Span("checking… (\(counted(findings.count, "finding")) so far)", .warning)]))
        }
        let what = subject.errorCode.map { "failed with \($0)" } ?? (subject.rows == 0 ? "returned an empty list" : "succeeded")
        facts.append(("Call", [Span(JSONWriter.compact(subject.params), .muted), Span("  — \(what)")]))
        // The finding under the cursor in full: a row is cut at the pane's width.
        let index = nav.cursor.selected
        if index < findings.count { facts.append(("Selected", [Span(findings[index].evidence)])) }
        let next = Facts(rows: facts, labelWidth: 9).render(into: &screen, rect: rect.inset(top: 1), theme: theme)
        drawPanes(panes(app), into: &screen, rect: Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next),
                  theme: theme)
        return nil
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if action == .editInForm {
            let index = nav.cursor.selected
            let variant = index < findings.count && findings[index].params != nil ? findings[index] : nil
            return .handled([.run(.open(.form(FormSeed(method: variant?.method ?? subject.method, params: variant?.params ?? subject.params,
                                                       apiVersion: subject.apiVersion))))])
        }
        return navigate(action, app)
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        let km = app.keymap
        return [KeyHint(arrowsLabel(km), "move"), KeyHint("enter", "send this variant"), KeyHint(keyLabel(km, .editInForm), "edit"),
                KeyHint(keyLabel(km, .refresh), "diagnose again"), KeyHint(keyLabel(km, .back), "back")]
    }
}
