import B24Catalog
import TerminalKit

/// One chain: title, pack, highest risk, the ordered steps (Enter opens a step's method) and its guardrails.
struct ChainScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    let id: String
    private let pane: Pane

    init(id: String, _ app: ConsoleState) {
        self.id = id
        pane = Pane("Steps and guardrails", Self.rows(id, app.catalog))
        // Start on the first step, not on the "Steps" heading.
        nav.panes[0].selected = pane.rows.firstIndex { $0.target != .none } ?? 0
    }

    var route: Route { .chain(id) }

    func panes(_ app: ConsoleState) -> [Pane] { [pane] }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        guard let chain = app.catalog.chain(id: id) else {
            screen.put("unknown chain \(id)", at: rect.origin, style: theme[.error], clip: rect)
            return nil
        }
        screen.put(chain.title, at: rect.origin, style: theme[.title], clip: rect)
        let highest = RiskClass.highest(chain.steps.compactMap(\.method).map { app.catalog.risk(of: $0) })
        let next = Facts(rows: [
            ("Chain", [Span(chain.id), Span("   pack ", .muted), Span(chain.pack)]),
            ("Risk", [Span("highest step: ", .muted), Span(CatalogRows.badge(highest).trimmingCharacters(in: .whitespaces), CatalogRows.role(highest)),
                      Span("   \(chain.steps.count) steps", .muted)]),
        ] + runFacts(app), labelWidth: 8).render(into: &screen, rect: rect.inset(top: 1), theme: theme)
        drawPane(pane, index: 0, into: &screen, rect: Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next),
                 theme: theme)
        return nil
    }

    /// The run of this chain under way, if any: where it is and what each step became.
    private func runFacts(_ app: ConsoleState) -> [(label: String, value: [Span])] {
        guard let run = app.chainRun, run.chainID == id else {
            return [("Run", [Span(keyLabel(app.keymap, .runChain), .primary), Span(" runs it step by step: each form prefilled from the steps before", .muted)])]
        }
        let marks = run.records.enumerated().map { index, record -> String in
            switch record {
            case .pending: return index == run.step ? "▶" : "·"
            case .sent(_, let status): return status == "ok" ? "✓" : "✗"
            case .skipped: return "↷"
            case .manual: return "○"
            }
        }.joined(separator: " ")
        let state = run.isOver ? "  (over; \(keyLabel(app.keymap, .runChain)) runs it again)" : ""
        return [("Run", [Span("run \(run.runID)  ", .primary), Span(marks + "  "), Span(run.summary + state, .muted)])]
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if action == .runChain { return .handled([.run(.chain(.start(id)))]) }
        return navigate(action, app)
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        let km = app.keymap
        return [KeyHint(arrowsLabel(km), "move"), KeyHint("enter", "open method"), KeyHint(keyLabel(km, .runChain), "run chain"),
                KeyHint(keyLabel(km, .back), "back")]
    }

    static func rows(_ id: String, _ catalog: Catalog) -> [PaneRow] {
        guard let chain = catalog.chain(id: id) else { return [] }
        var rows: [PaneRow] = [PaneRow([Span("Steps", .header)])]
        for (i, step) in chain.steps.enumerated() {
            let method = step.method ?? ""
            let risk = catalog.risk(of: method)
            var spans = [Span(" \(i + 1). ", .muted)]
            if method.isEmpty {
                spans.append(Span("      " + step.note, .muted))  // a step done outside the portal
            } else {
                spans += [Span(CatalogRows.badge(risk), CatalogRows.role(risk)), Span(" "), Span(step.methods.joined(separator: " / "), .primary)]
                if !step.note.isEmpty { spans.append(Span(" — " + step.note)) }
            }
            if let event = step.event { spans.append(Span(" (event \(event))", .muted)) }
            rows.append(PaneRow(spans, target: method.isEmpty ? .none : .route(.method(method))))
        }
        rows.append(PaneRow([Span("Guardrails", .header)]))
        if chain.guardrails.isEmpty { rows.append(PaneRow([Span("  none beyond the usual confirmations", .muted)])) }
        for g in chain.guardrails { rows.append(PaneRow([Span("  • " + g, .warning)])) }
        return rows
    }
}
