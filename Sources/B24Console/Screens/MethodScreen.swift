import B24Catalog
import TerminalKit

/// One method: summary, risk/scope/API, doc link, live availability (`method.get`), then its parameters and the
/// chains that use it.
struct MethodScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    let name: String
    private let pane: Pane

    init(name: String, _ app: ConsoleState) {
        self.name = name
        pane = Pane("Parameters and chains", Self.rows(name, app.catalog))
    }

    var route: Route { .method(name) }

    func panes(_ app: ConsoleState) -> [Pane] { [pane] }

    mutating func opened(_ app: ConsoleState) -> [Effect] { [.fetch(.availability(name), force: false)] }

    /// `c` opens the method's form; the rest is list navigation.
    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if action == .callMethod { return .handled([.run(.open(.form(FormSeed(method: name))))]) }
        return navigate(action, app)
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        let km = app.keymap
        return [KeyHint(keyLabel(km, .callMethod), "call"), KeyHint(arrowsLabel(km), "move"), KeyHint(keyLabel(km, .select), "open"),
                KeyHint(keyLabel(km, .back), "back")]
    }

    mutating func refresh(_ app: ConsoleState) -> [Effect] { [.fetch(.availability(name), force: true)] }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let catalog = app.catalog
        let entry = catalog.entry(for: name)
        let spec = catalog.specs(for: name).first
        let risk = entry?.method.risk ?? catalog.risk(of: name)
        let summary = entry?.method.summary ?? spec?.summary ?? "not in the catalog (discovered on the portal)"
        let scope = entry?.method.scope ?? spec?.scope ?? "?"
        let api = entry?.method.api.map(\.rawValue).joined(separator: "/") ?? spec.map { $0.api.rawValue } ?? "v2"
        let doc = entry?.method.docURL.absoluteString ?? spec?.docURL?.absoluteString
        let pack = entry?.pack.name ?? CatalogRows.otherPackName

        screen.put(name, at: rect.origin, style: theme[.title], clip: rect)
        var facts: [(label: String, value: [Span])] = [
            ("Summary", [Span(summary)]),
            ("Risk", [Span(CatalogRows.badge(risk).trimmingCharacters(in: .whitespaces), CatalogRows.role(risk)),
                      Span("   scope ", .muted), Span(scope), Span("   api ", .muted), Span(api), Span("   pack ", .muted), Span(pack)]),
            ("Doc", [Span(doc ?? "no doc page known", doc == nil ? .muted : .info)]),
            ("Live", availability(app)),
        ]
        if risk.mayChangeData {
            // A read-only session refuses writes outright; no confirmation flag gets past it.
            let readOnly = app.readOnlyFlag || app.connection?.readOnly == true
            let note = readOnly
                ? "read-only: b24 refuses this \(risk == .destructive ? "destructive" : "write") call (it changes data)"
                : "c opens its form; it is sent only after you confirm the payload"
            facts.append(("Note", [Span(note, .warning)]))
        }
        let next = Facts(rows: facts, labelWidth: 8).render(into: &screen, rect: rect.splitTop(rect.height - 4).0.inset(top: 1), theme: theme)
        drawPane(pane, index: 0, into: &screen, rect: Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next),
                 theme: theme)
        return nil
    }

    func availability(_ app: ConsoleState) -> [Span] {
        guard app.connection != nil else { return [Span("not connected", .muted)] }
        return loadable(app.live.availability[name.lowercased()] ?? .idle) { answer in
            switch answer {
            case .available: return [Span("available", .success), Span(" on this portal (method.get)", .muted)]
            case .notAvailable: return [Span("not available", .warning), Span(" — exists, but this auth lacks its scope", .muted)]
            case .notExisting: return [Span("not on this portal", .error), Span(" (method.get: isExisting false)", .muted)]
            }
        }
    }

    /// One section per API version the catalog has a spec for (v2 and REST 3.0 differ in names and shape), then
    /// the chains that use the method.
    static func rows(_ name: String, _ catalog: Catalog) -> [PaneRow] {
        var rows: [PaneRow] = []
        let specs = catalog.specs(for: name)
        for spec in specs {
            rows.append(PaneRow([Span(spec.api == .v3 ? "Parameters (v3, REST 3.0)" : "Parameters (\(spec.api))", .header)]))
            if spec.params.isEmpty { rows.append(PaneRow([Span("  none", .muted)])) }
            for param in spec.params {
                rows.append(PaneRow([Span("  " + pad(param.name, toWidth: 18), .primary), Span(" " + pad(param.type.rawValue, toWidth: 8), .accent),
                                     Span(param.required ? " required " : " optional ", param.required ? .warning : .muted),
                                     Span(" " + param.description)]))
            }
        }
        if specs.isEmpty {
            rows.append(PaneRow([Span("Parameters", .header)]))
            rows.append(PaneRow([Span("  no spec bundled for this method; see the doc page", .muted)]))
        }
        let chains = catalog.allChains.filter { chain in chain.methodNames.contains { $0.lowercased() == name.lowercased() } }
        rows.append(PaneRow([Span("Chains that use it", .header)]))
        if chains.isEmpty { rows.append(PaneRow([Span("  none", .muted)])) }
        for chain in chains {
            rows.append(PaneRow([Span("  "), Span(chain.title)], detail: chain.id, target: .route(.chain(chain.id))))
        }
        return rows
    }
}
