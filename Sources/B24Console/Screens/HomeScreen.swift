import TerminalKit

/// Home: what portal this is (URL, user, scopes, server time, limiter), where to go next, and the profiles.
struct HomeScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 2)
    /// The profiles and the portal's method counts, rebuilt when they change (connected, discovered), not per frame.
    private var profilesPane = Pane("Profiles", [])
    private var methodCounts: (all: Int, other: Int)?
    var route: Route { .home }

    static func == (a: HomeScreen, b: HomeScreen) -> Bool {
        a.nav == b.nav && a.profilesPane == b.profilesPane && a.methodCounts?.all == b.methodCounts?.all
            && a.methodCounts?.other == b.methodCounts?.other
    }

    init(_ app: ConsoleState? = nil) {
        if let app { appChanged(app) }
    }

    mutating func appChanged(_ app: ConsoleState) {
        profilesPane = Pane("Profiles", profileRows(app))
        methodCounts = app.live.portalMethods.value.map { ($0.count, app.otherMethods.count) }
    }

    static let menu: [PaneRow] = [
        PaneRow([Span("Packs", .primary), Span(" — browse packs, methods and chains")], target: .route(.packs)),
        PaneRow([Span("Chains", .primary), Span(" — every chain of every pack")], target: .route(.chains(nil))),
        PaneRow([Span("Search", .primary), Span(" — packs, methods, chains (/)")], target: .route(.search)),
    ]
    private static let menuPane = Pane("Go to", menu)

    func panes(_ app: ConsoleState) -> [Pane] { [Self.menuPane, profilesPane] }

    func profileRows(_ app: ConsoleState) -> [PaneRow] {
        var rows = app.profiles.map { p -> PaneRow in
            var spans = [Span(p.name, .primary)]
            if p.isDefault { spans.append(Span(" (default)", .muted)) }
            if p.production { spans.append(Span(" PRODUCTION", .error)) }
            return PaneRow(spans, detail: p.portal, target: .profile(p.name))
        }
        rows.append(PaneRow([Span(ProfileEntry.sandboxName, .primary), Span(" — built-in portal, no account needed", .muted)],
                            target: .profile(ProfileEntry.sandboxName)))
        return rows
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let rightWidth = min(44, max(24, rect.width * 2 / 5))
        let (left, right) = rect.splitLeft(rect.width - rightWidth)
        let info = screen.box(left.inset(right: 1), style: theme[.border], title: "Portal", titleStyle: theme[.title])
        Facts(rows: facts(app), labelWidth: 9).render(into: &screen, rect: info.inset(left: 1, right: 1), theme: theme)
        let panes = self.panes(app)
        let (menuRect, profilesRect) = right.splitTop(min(Self.menu.count + 2, right.height / 2))
        drawPane(panes[0], index: 0, into: &screen, rect: menuRect, theme: theme)
        drawPane(panes[1], index: 1, into: &screen, rect: profilesRect, theme: theme)
        return nil
    }

    func facts(_ app: ConsoleState) -> [(label: String, value: [Span])] {
        guard let c = app.connection else {
            switch app.connectionState {
            case .failed(let message): return [("Portal", [Span("not connected", .error)]), ("Why", [Span(message)])]
            default: return [("Portal", [Span("connecting…", .muted)])]
            }
        }
        let live = app.live
        return [
            ("Portal", [Span(c.portal, .primary)]),
            ("Profile", [Span(c.isSandbox ? "sandbox portal — no account needed" : c.profile)]
                + (c.production ? [Span("  PRODUCTION", .error)] : [])
                + (c.readOnly ? [Span("  read-only", .warning)] : [])),
            ("Auth", [Span(c.auth)]),
            ("User", loadable(live.user) { [Span($0, .accent)] }),
            ("Time", loadable(live.serverTime) { [Span($0)] }),
            ("Limiter", loadable(live.limiter) { [Span($0)] }),
            ("Scopes", loadable(live.scopes) { [Span($0.isEmpty ? "none" : $0.joined(separator: ", "))] }),
            ("Methods", loadable(live.portalMethods) { _ in
                let (all, other) = methodCounts ?? (0, 0)
                return [Span("\(all) on the portal" + (other > 0 ? ", \(other) not in the catalog (pack \"other\")" : ""))]
            }),
        ]
    }
}
