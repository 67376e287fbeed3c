import TerminalKit

/// Every pack, plus "other" once live discovery found methods the catalog lacks.
struct PacksScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    /// Built when the screen opens and when the portal's method list arrives, not on every frame.
    private var pane: Pane

    init(_ app: ConsoleState) { pane = Self.pane(app) }

    var route: Route { .packs }

    func panes(_ app: ConsoleState) -> [Pane] { [pane] }

    mutating func appChanged(_ app: ConsoleState) { pane = Self.pane(app) }

    static func pane(_ app: ConsoleState) -> Pane {
        var rows = app.catalog.packs.map { pack in
            PaneRow([Span(pad(pack.name, toWidth: 12), .primary), Span(pack.summary)],
                    detail: "\(pack.methods.count) methods", target: .route(.pack(pack.name)))
        }
        let other = app.otherMethods
        if !other.isEmpty {
            rows.append(PaneRow([Span(pad(CatalogRows.otherPackName, toWidth: 12), .accent), Span("methods this portal has that no pack lists")],
                                detail: "\(other.count) methods", target: .route(.pack(CatalogRows.otherPackName))))
        }
        return Pane("Packs", rows)
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        drawPanes([pane], into: &screen, rect: rect, theme: app.theme)
        return nil
    }
}
