import B24Catalog
import TerminalKit

/// Method detail: summary, risk/scope/API, doc link, live availability, then parameters and chains.
struct MethodView {
    var state: ConsoleState
    var name: String

    func render(into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let catalog = state.catalog
        let entry = catalog.entry(for: name)
        let spec = catalog.specs(for: name).first
        let risk = entry?.method.risk ?? catalog.risk(of: name)
        let summary = entry?.method.summary ?? spec?.summary ?? "not in the catalog (discovered on the portal)"
        let scope = entry?.method.scope ?? spec?.scope ?? "?"
        let api = entry?.method.api.map(\.rawValue).joined(separator: "/") ?? spec.map { $0.api.rawValue } ?? "v2"
        let doc = entry?.method.docURL.absoluteString ?? spec?.docURL?.absoluteString
        let pack = entry?.pack.name ?? Panes.otherPackName

        screen.put(name, at: rect.origin, style: theme[.title], clip: rect)
        var facts: [(label: String, value: [Span])] = [
            ("Summary", [Span(summary)]),
            ("Risk", [Span(Panes.badge(risk).trimmingCharacters(in: .whitespaces), Panes.role(risk)),
                      Span("   scope ", .muted), Span(scope), Span("   api ", .muted), Span(api), Span("   pack ", .muted), Span(pack)]),
            ("Doc", [Span(doc ?? "no doc page known", doc == nil ? .muted : .info)]),
            ("Live", availability()),
        ]
        if risk.mayChangeData {
            // A read-only session refuses writes outright; no confirmation flag gets past it.
            let readOnly = state.readOnlyFlag || state.connection?.readOnly == true
            let note = readOnly
                ? "read-only: b24 refuses this \(risk == .destructive ? "destructive" : "write") call (it changes data)"
                : "calls from b24 need --confirm-\(risk == .destructive ? "destructive" : "write")"
            facts.append(("Note", [Span(note, .warning)]))
        }
        let next = Facts(rows: facts, labelWidth: 8).render(into: &screen, rect: rect.splitTop(rect.height - 4).0.inset(top: 1), theme: theme)
        let listRect = Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next)
        PaneList(title: Panes.titles(state.route, state)[0], rows: Panes.rows(state.route, pane: 0, state),
                 scroll: state.page.panes[0], focused: true).render(into: &screen, rect: listRect, theme: theme)
    }

    func availability() -> [Span] {
        guard state.connection != nil else { return [Span("not connected", .muted)] }
        let value = state.live.availability[name.lowercased()] ?? .idle
        return loadable(value) { answer in
            switch answer {
            case .available: return [Span("available", .success), Span(" on this portal (method.get)", .muted)]
            case .notAvailable: return [Span("not available", .warning), Span(" — exists, but this auth lacks its scope", .muted)]
            case .notExisting: return [Span("not on this portal", .error), Span(" (method.get: isExisting false)", .muted)]
            }
        }
    }
}

/// Chain detail: title, pack, ordered steps (Enter opens a step's method) and guardrails.
struct ChainView {
    var state: ConsoleState
    var id: String

    func render(into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        guard let chain = state.catalog.chain(id: id) else {
            screen.put("unknown chain \(id)", at: rect.origin, style: theme[.error], clip: rect)
            return
        }
        screen.put(chain.title, at: rect.origin, style: theme[.title], clip: rect)
        let risks = chain.steps.compactMap(\.method).map { state.catalog.risk(of: $0) }
        let highest = RiskClass.highest(risks)
        let next = Facts(rows: [
            ("Chain", [Span(chain.id), Span("   pack ", .muted), Span(chain.pack)]),
            ("Risk", [Span("highest step: ", .muted), Span(Panes.badge(highest).trimmingCharacters(in: .whitespaces), Panes.role(highest)),
                      Span("   \(chain.steps.count) steps", .muted)]),
        ], labelWidth: 8).render(into: &screen, rect: rect.inset(top: 1), theme: theme)
        let listRect = Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next)
        PaneList(title: Panes.titles(state.route, state)[0], rows: Panes.rows(state.route, pane: 0, state),
                 scroll: state.page.panes[0], focused: true).render(into: &screen, rect: listRect, theme: theme)
    }
}
