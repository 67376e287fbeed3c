import TerminalKit

/// Home: what portal this is (URL, user, scopes, server time, limiter) and where to go next.
struct HomeView {
    var state: ConsoleState

    func render(into screen: inout Screen, rect: Rect) {
        let theme = state.theme
        let rightWidth = min(44, max(24, rect.width * 2 / 5))
        let (left, right) = rect.splitLeft(rect.width - rightWidth)
        let info = screen.box(left.inset(right: 1), style: theme[.border], title: "Portal", titleStyle: theme[.title])
        Facts(rows: facts(), labelWidth: 9).render(into: &screen, rect: info.inset(left: 1, right: 1), theme: theme)

        let menuHeight = min(Panes.homeMenu.count + 2, right.height / 2)
        let (menuRect, profilesRect) = right.splitTop(menuHeight)
        let page = state.page
        for (pane, area) in [(0, menuRect), (1, profilesRect)] {
            PaneList(title: Panes.titles(.home, state)[pane], rows: Panes.rows(.home, pane: pane, state),
                     scroll: page.panes[pane], focused: page.focus == pane).render(into: &screen, rect: area, theme: theme)
        }
    }

    func facts() -> [(label: String, value: [Span])] {
        guard let c = state.connection else {
            switch state.connectionState {
            case .failed(let message): return [("Portal", [Span("not connected", .error)]), ("Why", [Span(message)])]
            default: return [("Portal", [Span("connecting…", .muted)])]
            }
        }
        var rows: [(String, [Span])] = [
            ("Portal", [Span(c.portal, .primary)]),
            ("Profile", [Span(c.isSandbox ? "sandbox portal — no account needed" : c.profile)]
                + (c.production ? [Span("  PRODUCTION", .error)] : [])
                + (c.readOnly ? [Span("  read-only", .warning)] : [])),
            ("Auth", [Span(c.auth)]),
            ("User", loadable(state.live.user) { [Span($0, .accent)] }),
            ("Time", loadable(state.live.serverTime) { [Span($0)] }),
            ("Limiter", loadable(state.live.limiter) { [Span($0)] }),
            ("Scopes", loadable(state.live.scopes) { [Span($0.isEmpty ? "none" : $0.joined(separator: ", "))] }),
        ]
        rows.append(("Methods", loadable(state.live.portalMethods) { all in
            let other = state.catalog.unlisted(from: all).count
            let text = "\(all.count) on the portal" + (other > 0 ? ", \(other) not in the catalog (pack \"other\")" : "")
            return [Span(text)]
        }))
        return rows
    }
}

/// A loadable value as spans: "…" while loading, the error in red.
func loadable<T>(_ value: Loadable<T>, _ show: (T) -> [Span]) -> [Span] {
    switch value {
    case .idle: return [Span("—", .muted)]
    case .loading: return [Span("loading…", .muted)]
    case .loaded(let v): return show(v)
    case .failed(let message): return [Span(message, .error)]
    }
}
