import B24Catalog
import TerminalKit

/// What Enter on a row does.
public enum RowTarget: Equatable, Sendable {
    case none
    case route(Route)
    /// Switch to this profile ("sandbox" = the embedded portal).
    case profile(String)
}

/// One selectable row of a pane: what the list draws, and where Enter leads.
public struct PaneRow: Equatable, Sendable {
    public var row: ListRow
    public var target: RowTarget

    public init(_ spans: [Span], detail: String? = nil, columns: [String] = [], target: RowTarget = .none) {
        row = ListRow(spans, detail: detail, columns: columns)
        self.target = target
    }

    public var spans: [Span] { row.spans }
    /// Plain text of the row (tests, search in rows).
    public var text: String { row.text }
}

/// One pane of a list screen: its title and rows, with the rows' widths measured once.
public struct Pane: Equatable, Sendable {
    public var title: String
    public var rows: [PaneRow]
    public var columns: ListColumns

    public init(_ title: String, _ rows: [PaneRow]) {
        self.init(title, rows, columns: ListColumns(measuring: rows.lazy.map(\.row)))
    }

    /// A pane whose widths were measured before (over a larger set the rows are picked from).
    public init(_ title: String, _ rows: [PaneRow], columns: ListColumns) {
        self.title = title
        self.rows = rows
        self.columns = columns
    }
}

/// Cursor and scroll per pane, and which pane has focus (Tab cycles).
public struct PaneNavigator: Equatable, Sendable {
    public var focus = 0
    public var panes: [ScrollState]

    public init(paneCount: Int) { panes = Array(repeating: ScrollState(), count: max(1, paneCount)) }

    /// The focused pane's cursor.
    public var cursor: ScrollState {
        get { panes[focus] }
        set { panes[focus] = newValue }
    }
}

/// A screen made of lists of rows (Home's menus, packs, a pack, chains, details, search results): arrows,
/// paging and Tab move, Enter follows the row's target. Conforming screens give their panes and draw them.
public protocol PaneScreen: ConsoleScreen {
    var nav: PaneNavigator { get set }
    /// The panes as they are now (the count is the number of focusable panes).
    func panes(_ app: ConsoleState) -> [Pane]
}

/// Rows a list page moves by (the list area of the current layout, roughly).
func pageRows(_ app: ConsoleState) -> Int { max(1, app.size.height - 8) }

extension PaneScreen {
    /// The movement keys, Tab, and Enter on a row; everything else is left to the parent.
    public mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        navigate(action, app)
    }

    /// List navigation shared by every pane screen.
    public mutating func navigate(_ action: KeyAction?, _ app: ConsoleState) -> KeyResult {
        guard let action else { return .ignored }
        let panes = self.panes(app)
        nav.focus = min(nav.focus, max(0, panes.count - 1))
        let count = panes.isEmpty ? 0 : panes[nav.focus].rows.count
        switch action {
        case .up: nav.cursor.move(by: -1, count: count)
        case .down: nav.cursor.move(by: 1, count: count)
        case .top: nav.cursor.select(0, count: count)
        case .bottom: nav.cursor.select(count - 1, count: count)
        case .pageUp: nav.cursor.page(-1, count: count, viewport: pageRows(app))
        case .pageDown: nav.cursor.page(1, count: count, viewport: pageRows(app))
        case .nextTab: nav.focus = (nav.focus + 1) % max(1, panes.count)
        case .prevTab: nav.focus = (nav.focus + panes.count - 1) % max(1, panes.count)
        case .select, .right:
            let index = nav.cursor.selected
            guard index < count else { return .handled([]) }
            switch panes[nav.focus].rows[index].target {
            case .none: return .handled([])
            case .route(let route): return .handled([.run(.open(route))])
            case .profile(let name): return .handled([.run(.profile(name))])
            }
        case .left, .back, .search, .help, .refresh, .redraw, .quit, .palette, .home, .packs, .rawView, .copyValue, .copyPath, .copyCurl,
             .copyCommand, .copyCurlSecret, .nextPage, .callMethod, .editInForm, .send, .editExternally, .addEntry, .removeEntry,
             .nextHit, .previousHit, .pathFilter, .fetchAll, .cancel, .stepView, .diagnose, .runChain, .nextStep,
             .skipStep, .follow, .pause, .bindEvent, .unbindEvent:
            return .ignored
        }
        return .handled([])
    }

    public mutating func point(at route: Route, _ app: ConsoleState) -> Bool {
        for (index, pane) in panes(app).enumerated() {
            if let row = pane.rows.firstIndex(where: { $0.target == .route(route) }) {
                nav.focus = index
                nav.panes[index].selected = row
                return true
            }
        }
        return false
    }

    /// Movement, open, back, and "pane" when there are two.
    public func hints(_ app: ConsoleState) -> [KeyHint] {
        let km = app.keymap
        var hints = [KeyHint(arrowsLabel(km), "move"), KeyHint(keyLabel(km, .select), "open"), KeyHint(keyLabel(km, .back), "back")]
        if panes(app).count > 1 { hints.append(KeyHint(keyLabel(km, .nextTab), "pane")) }
        return hints
    }

    /// Draws one pane into `rect`.
    func drawPane(_ pane: Pane, index: Int, into screen: inout Screen, rect: Rect, theme: Theme) {
        let scroll = index < nav.panes.count ? nav.panes[index] : ScrollState()
        LazyList(title: pane.title, count: pane.rows.count, columns: pane.columns, scroll: scroll, focused: nav.focus == index) {
            pane.rows[$0].row
        }.render(into: &screen, rect: rect, theme: theme)
    }

    /// One pane filling `rect`, or two side by side (the first takes 3/5).
    func drawPanes(_ panes: [Pane], into screen: inout Screen, rect: Rect, theme: Theme) {
        if panes.count == 2 {
            let (left, right) = rect.splitLeft(rect.width * 3 / 5)
            drawPane(panes[0], index: 0, into: &screen, rect: left, theme: theme)
            drawPane(panes[1], index: 1, into: &screen, rect: right, theme: theme)
        } else if let first = panes.first {
            drawPane(first, index: 0, into: &screen, rect: rect, theme: theme)
        }
    }
}

/// The first key bound to an action, as the key bar shows it ("—" when unbound).
func keyLabel(_ keymap: Keymap, _ action: KeyAction) -> String { keymap.keys(for: action).first.map(keyLabel) ?? "—" }

/// Arrows read better than "kj"; the bound keys when the arrows were remapped away.
func arrowsLabel(_ keymap: Keymap) -> String {
    keymap.keyAction(for: .up) == .up && keymap.keyAction(for: .down) == .down
        ? "↑↓" : "\(keyLabel(keymap, .up))\(keyLabel(keymap, .down))"
}

/// Short key labels for hints: arrows as glyphs, the rest as keymap names.
func keyLabel(_ key: KeyEvent) -> String {
    switch key.key {
    case .up where key.modifiers.isEmpty: return "↑"
    case .down where key.modifiers.isEmpty: return "↓"
    default: return key.description
    }
}

/// Rows shared by the catalog screens.
enum CatalogRows {
    /// The name of the pseudo-pack of live-discovered methods.
    static let otherPackName = "other"

    /// "read " badge text (fixed width 5 so names line up).
    static func badge(_ risk: RiskClass) -> String {
        switch risk {
        case .read: return "read "
        case .write: return "write"
        case .mixed: return "mixed"
        case .destructive: return "DESTR"
        }
    }

    /// The theme role that colours a risk.
    static func role(_ risk: RiskClass) -> ThemeRole {
        switch risk {
        case .read: return .riskRead
        case .write: return .riskWrite
        case .mixed: return .riskMixed
        case .destructive: return .riskDestructive
        }
    }

    static func method(_ name: String, risk: RiskClass, scope: String, api: String) -> PaneRow {
        PaneRow([Span(badge(risk), role(risk)), Span(" "), Span(name)], columns: [scope, api], target: .route(.method(name)))
    }

    static func chain(_ chain: Chain) -> PaneRow {
        PaneRow([Span(chain.title)], detail: chain.id, target: .route(.chain(chain.id)))
    }
}
