import TerminalKit

/// The chains of one pack, or of every pack.
struct ChainsScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    let pack: String?
    private let pane: Pane

    init(pack: String?, _ app: ConsoleState) {
        self.pack = pack
        let chains = pack.flatMap { app.catalog.pack(named: $0)?.chains } ?? app.catalog.allChains
        pane = Pane(pack.map { "Chains of \($0)" } ?? "All chains", chains.map(CatalogRows.chain))
    }

    var route: Route { .chains(pack) }

    func panes(_ app: ConsoleState) -> [Pane] { [pane] }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        drawPanes([pane], into: &screen, rect: rect, theme: app.theme)
        return nil
    }
}
