import B24Catalog
import TerminalKit

/// Search across packs, methods and chains (and methods discovered on the portal): the query line, then the
/// hits. Printable keys type into the query, so ':' and '?' are text here.
struct SearchScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    var query = EditableText()
    var hits: [SearchHit] = []
    /// The hits as rows, built when they change, not on every frame.
    private var pane = Pane("Results", [])

    init(query: String = "", _ app: ConsoleState? = nil) {
        self.query = EditableText(query)
        if let app { recompute(app) }
    }

    var route: Route { .search }
    var takesText: Bool { true }

    func panes(_ app: ConsoleState) -> [Pane] { [pane] }

    var title: String {
        let text = query.text.trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "Results" : "Results for \"\(text)\""
    }

    /// Typing edits the query; arrows, Enter, Esc, Tab and function keys move or leave.
    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        switch key.key {
        case .up, .down, .pageUp, .pageDown, .enter, .escape, .tab, .backTab, .function:
            return navigate(action, app)
        case .backspace where query.isEmpty:
            return .ignored  // a Backspace on an empty query goes back
        default:
            if key == .ctrl("c") || key == .ctrl("l") { return .ignored }
            var edited = query
            guard edited.handle(key) else { return navigate(action, app) }
            query = edited
            recompute(app)
            nav = PaneNavigator(paneCount: 1)
            return .handled([])
        }
    }

    mutating func appChanged(_ app: ConsoleState) {
        // Results already on screen gain the newly discovered methods; the cursor stays where it was.
        if !query.isEmpty { recompute(app) }
    }

    mutating func recompute(_ app: ConsoleState) {
        hits = app.catalog.search(query.text, limit: 200, discovered: app.otherMethods)
        pane = Pane(title, hits.map(Self.row))
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        [KeyHint("type", "search"), KeyHint("↑↓", "move"), KeyHint(keyLabel(app.keymap, .select), "open"), KeyHint("esc", "back")]
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let (fieldRow, rest) = rect.splitTop(2)
        let field = FormField(label: "Search", value: query,
                              placeholder: "a method, pack, chain or product word (\"open lines\", \"copilot\")", isFocused: true)
        let cursor = field.render(into: &screen, rect: fieldRow.splitTop(1).0, theme: app.theme)
        drawPanes([pane], into: &screen, rect: rest, theme: app.theme)
        return cursor
    }

    static func row(_ hit: SearchHit) -> PaneRow {
        let route: Route
        switch hit.kind {
        case .pack: route = .pack(hit.name)
        case .method: route = .method(hit.name)
        case .chain: route = .chain(hit.name)
        }
        return PaneRow([Span(pad(hit.kind.rawValue, toWidth: 7), .muted), Span(hit.name, .primary), Span("  " + hit.title)],
                       detail: hit.reason, target: .route(route))
    }
}
