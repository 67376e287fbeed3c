import TerminalKit

/// One pack: its methods and its chains side by side, under the pack's summary. The pseudo-pack "other" lists
/// the methods the portal reports that no pack has.
struct PackScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 2)
    let name: String
    /// Built when the screen opens (and, for "other", when the portal's method list arrives), not on every frame.
    private var builtPanes: [Pane]

    init(name: String, _ app: ConsoleState) {
        self.name = name
        builtPanes = Self.panes(name, app)
    }

    var route: Route { .pack(name) }

    func panes(_ app: ConsoleState) -> [Pane] { builtPanes }

    mutating func appChanged(_ app: ConsoleState) {
        if name == CatalogRows.otherPackName { builtPanes = Self.panes(name, app) }
    }

    static func panes(_ name: String, _ app: ConsoleState) -> [Pane] {
        if name != CatalogRows.otherPackName, let pack = app.catalog.pack(named: name) {
            return [
                Pane("Methods of \(name)", pack.methods.map { m in
                    CatalogRows.method(m.name, risk: m.risk, scope: m.scope, api: m.api.map(\.rawValue).joined(separator: "/"))
                }),
                Pane("Chains of \(name)", pack.chains.map(CatalogRows.chain)),
            ]
        }
        let methods = name == CatalogRows.otherPackName
            ? app.otherMethods.map { CatalogRows.method($0, risk: app.catalog.riskByVerb(of: $0), scope: "", api: "") } : []
        return [Pane("Methods of \(name)", methods), Pane("Chains of \(name)", [])]
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let summary = name == CatalogRows.otherPackName
            ? "Methods this portal reports (`methods`) that no pack lists; risk guessed from the verb."
            : app.catalog.pack(named: name).map { "\($0.summary). \($0.scopeNote)" } ?? ""
        let lines = Array(wrap(summary, width: max(1, rect.width)).prefix(2))
        for (i, line) in lines.enumerated() {
            screen.put(line, at: Point(column: rect.column, row: rect.row + i), style: app.theme[.muted], clip: rect)
        }
        drawPanes(builtPanes, into: &screen, rect: rect.splitTop(lines.count).1, theme: app.theme)
        return nil
    }
}
