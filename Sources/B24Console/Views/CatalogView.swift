import TerminalKit

/// List screens: the packs, one pack (methods | chains), chains of a pack.
struct CatalogView {
    var state: ConsoleState

    func render(into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let route = state.route
        var area = rect
        if case .pack(let name) = route {
            let summary = name == Panes.otherPackName
                ? "Methods this portal reports (`methods`) that no pack lists; risk guessed from the verb."
                : state.catalog.pack(named: name).map { "\($0.summary). \($0.scopeNote)" } ?? ""
            let lines = Array(wrap(summary, width: max(1, area.width)).prefix(2))
            for (i, line) in lines.enumerated() {
                screen.put(line, at: Point(column: area.column, row: area.row + i), style: theme[.muted], clip: area)
            }
            area = area.splitTop(lines.count).1
        }
        let titles = Panes.titles(route, state)
        let page = state.page
        if titles.count == 2 {
            let leftWidth = area.width * 3 / 5
            let (left, right) = area.splitLeft(leftWidth)
            for (pane, r) in [(0, left), (1, right)] {
                PaneList(title: titles[pane], rows: Panes.rows(route, pane: pane, state), scroll: page.panes[pane],
                         focused: page.focus == pane).render(into: &screen, rect: r, theme: theme)
            }
        } else {
            PaneList(title: titles[0], rows: Panes.rows(route, pane: 0, state), scroll: page.panes[0], focused: true)
                .render(into: &screen, rect: area, theme: theme)
        }
    }
}
