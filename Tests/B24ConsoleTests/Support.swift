import B24Catalog
import B24Client
@testable import B24Console
import Foundation
import Testing
import TerminalKit

/// Golden files: `Golden/NAME.txt` next to this file, compared through TerminalKit's shared ``GoldenFile``
/// (with `styles`, colours and attributes too). `UPDATE_GOLDEN=1` rewrites them.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ screen: Screen, _ name: String, styles: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        if let problem = GoldenFile.mismatch(screen, file: directory.appendingPathComponent(name + ".txt"), styles: styles) {
            Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation)
        }
    }
}

/// The rows of a list screen's pane, as the screen for `route` shows them in `state`.
enum Panes {
    static func rows(_ route: Route, pane: Int, _ state: ConsoleState) -> [PaneRow] {
        guard let screen = route.makeScreen(state) as? any PaneScreen else { return [] }
        let panes = screen.panes(state)
        return pane < panes.count ? panes[pane].rows : []
    }
}

extension ConsoleState {
    /// The search screen of the stack (a fresh one when there is none).
    var search: SearchScreen { (stack.last { $0.route == .search }?.screen as? SearchScreen) ?? SearchScreen() }
}

extension Page {
    /// The focused pane's cursor.
    var cursor: ScrollState { panes.isEmpty ? ScrollState() : panes[focus] }
}

extension Action {
    /// The answer to a root-owned call of connection `generation` (Fixture states are generation 0).
    static func callFinished(_ purpose: CallPurpose, _ outcome: CallOutcome, generation: Int = 0) -> Action {
        .answered(EffectID(owner: .root(purpose), generation: generation, name: outcome.trace.method), .call(outcome))
    }
}

/// States with fixed portal facts, so goldens do not depend on ports or clocks.
enum Fixture {
    static let theme = Theme.default

    static func connected(size: Size = Size(width: 80, height: 24), user: String = "Иван Петров (id 3)",
                          production: Bool = false) -> ConsoleState {
        var state = ConsoleState(catalog: .bundled, keymap: ConsoleKeymap.defaults, theme: theme, themeName: "default", size: size)
        state.connection = ConnectionInfo(
            profile: production ? "main" : "sandbox", portal: production ? "https://example.bitrix24.ru" : "http://127.0.0.1:8042",
            auth: "webhook (user 1, code ****c0de)", isSandbox: !production, production: production)
        state.connectionState = .loaded("sandbox")
        state.profiles = [ProfileEntry(name: "main", portal: "https://example.bitrix24.ru", isDefault: true, production: true),
                          ProfileEntry(name: "東京支店", portal: "https://tokyo.bitrix24.jp")]
        state.live.user = .loaded(user)
        state.live.scopes = .loaded(["basic", "crm", "department", "im", "imopenlines", "task", "user"])
        state.live.serverTime = .loaded("2026-11-25T13:00:00+00:00")
        state.live.limiter = .loaded("1.0 of 48 requests in the bucket, drains 2/s")
        state.live.portalMethods = .loaded(["user.current", "crm.lead.list", "profile", "app.info", "server.time"])
        state.status = StatusMessage("sandbox portal — no account needed")
        appChanged(&state)  // the facts were set by hand: the screens rebuild what depends on them, as on `connected`
        return state
    }

    /// Applies actions, returning every effect.
    @discardableResult
    static func apply(_ state: inout ConsoleState, _ actions: Action...) -> [Effect] {
        actions.flatMap { reduce(&state, $0) }
    }

    static func keys(_ state: inout ConsoleState, _ keys: KeyEvent...) -> [Effect] {
        keys.flatMap { reduce(&state, .key($0)) }
    }

    static func type(_ state: inout ConsoleState, _ text: String) {
        for c in text { _ = reduce(&state, .key(.char(c))) }
    }
}
