import B24Client
import B24Wire
import TerminalKit

/// What a screen did with a key: used it (with the effects it asks for), or left it to the global bindings.
public enum KeyResult: Sendable {
    case handled([Effect])
    case ignored
}

/// A key hint for the key bar: the key as shown and what it does.
public struct KeyHint: Equatable, Sendable {
    public var key: String
    public var action: String
    public init(_ key: String, _ action: String) {
        self.key = key
        self.action = action
    }
}

/// One console screen: its own state, its keys, the answers to its own effects, how it draws itself.
///
/// The root state (`ConsoleState`) is passed in read-only as `app`: the portal facts, the catalog, the keymap,
/// the theme. A screen changes the root only by returning effects (intents such as `.run(.open(route))`).
public protocol ConsoleScreen: Sendable {
    /// Which screen this is (breadcrumb, palette jumps, tests).
    var route: Route { get }
    /// Work to start when the page is opened (e.g. ask the portal about a method).
    mutating func opened(_ app: ConsoleState) -> [Effect]
    /// A key, with the action the keymap binds it to.
    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult
    /// An answer to one of this screen's own effects.
    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect]
    /// F5: ask again for what the screen shows from the portal.
    mutating func refresh(_ app: ConsoleState) -> [Effect]
    /// A new connection (another profile, or the same again): by default the same as F5.
    mutating func reconnected(_ app: ConsoleState) -> [Effect]
    /// The page is on top again (the one above it closed).
    mutating func revealed(_ app: ConsoleState) -> [Effect]
    /// The root's facts changed (e.g. the portal's method list arrived): recompute what depends on them.
    mutating func appChanged(_ app: ConsoleState)
    /// What the screen keeps when it is closed (a form's values), under a key: the root holds it, and the same
    /// screen opened again takes it back. Nil keeps nothing (and forgets what was kept under that key).
    var keptWhenClosed: (key: String, value: JSONValue?)? { get }
    /// Where an overlay is drawn (pages fill the body).
    var placement: Placement { get }
    /// Draws into `rect`; returns where the text cursor goes, if the screen has an input line.
    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point?
    /// The screen's own key hints; the root adds the global ones.
    func hints(_ app: ConsoleState) -> [KeyHint]
    /// True while printable keys type text (the key bar then shows no printable global keys).
    var takesText: Bool { get }
    /// Puts the cursor on the row that leads to `route`; false when no row does (palette jumps build each
    /// parent of the target this way).
    mutating func point(at route: Route, _ app: ConsoleState) -> Bool
    /// Value equality across the existential (frames and stacks are compared).
    func isEqual(to other: any ConsoleScreen) -> Bool
}

extension ConsoleScreen {
    public mutating func opened(_ app: ConsoleState) -> [Effect] { [] }
    public mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] { [] }
    public mutating func refresh(_ app: ConsoleState) -> [Effect] { [] }
    public mutating func reconnected(_ app: ConsoleState) -> [Effect] { refresh(app) }
    public mutating func revealed(_ app: ConsoleState) -> [Effect] { [] }
    public mutating func appChanged(_ app: ConsoleState) {}
    public var placement: Placement { .body }
    public var keptWhenClosed: (key: String, value: JSONValue?)? { nil }
    public var takesText: Bool { false }
    public mutating func point(at route: Route, _ app: ConsoleState) -> Bool { false }
}

extension ConsoleScreen where Self: Equatable {
    public func isEqual(to other: any ConsoleScreen) -> Bool { (other as? Self) == self }
}

/// Where a screen is drawn.
public enum Placement: Sendable {
    /// The body between the header and the key bar (pages, and overlays such as help, centred over it).
    case body
    /// The key bar's row (the `:` command line).
    case commandLine
}

/// One entry of the page stack (or the overlay): a screen and the id its effects answer to.
public struct Page: Equatable, Sendable {
    public var id: Int
    public var screen: any ConsoleScreen

    public init(id: Int, screen: any ConsoleScreen) {
        self.id = id
        self.screen = screen
    }

    public var route: Route { screen.route }

    /// The pane cursors of a list screen (empty for other screens).
    public var panes: [ScrollState] { (screen as? any PaneScreen)?.nav.panes ?? [] }
    /// The focused pane of a list screen.
    public var focus: Int { (screen as? any PaneScreen)?.nav.focus ?? 0 }

    public static func == (a: Page, b: Page) -> Bool { a.id == b.id && a.screen.isEqual(to: b.screen) }
}

/// Every console screen, by what it shows. `makeScreen` is the one place screens are built (their behaviour is
/// in their own files); the other switches here only name a route (its crumb) and where it sits.
public enum Route: Hashable, Sendable, CustomStringConvertible {
    /// Portal, user, scopes, server time, limiter, profile switcher.
    case home
    /// Every pack (plus "other" once live discovery found methods the catalog lacks).
    case packs
    /// One pack: its methods and its chains side by side.
    case pack(String)
    /// One method: summary, parameters, risk, doc link, chains, live availability.
    case method(String)
    /// Chains of a pack (nil: of every pack).
    case chains(String?)
    /// One chain: ordered steps and guardrails.
    case chain(String)
    /// Search across packs, methods and chains.
    case search
    /// The key help (an overlay).
    case help
    /// The `:` command line (an overlay).
    case palette
    /// A call sent from the console, and its answer.
    case call(method: String, params: JSONValue)
    /// A form that builds a call.
    case form(FormSeed)
    /// A read sent from a form, and its answer.
    case send(CallDraft)
    /// Every call of every process, newest first.
    case history
    /// One call from history, by id.
    case storedCall(String)
    /// A read-only diagnosis of a failed or empty call.
    case diagnose(DiagnosisSubject)
    /// A stored plan, reviewed before it runs (`:plan ID`).
    case plan(String)
    /// Events live: the receiver and the offline queue.
    case events

    /// A fresh screen for this route.
    func makeScreen(_ app: ConsoleState) -> any ConsoleScreen {
        switch self {
        case .home: return HomeScreen(app)
        case .packs: return PacksScreen(app)
        case .pack(let name): return PackScreen(name: name, app)
        case .method(let name): return MethodScreen(name: name, app)
        case .chains(let pack): return ChainsScreen(pack: pack, app)
        case .chain(let id): return ChainScreen(id: id, app)
        case .search: return SearchScreen()
        case .help: return HelpScreen()
        case .palette: return PaletteScreen()
        case .call(let method, let params): return InspectorScreen(method: method, params: params)
        case .form(let seed): return FormScreen(seed: seed, app)
        case .send(let draft): return InspectorScreen(draft: draft)
        case .history: return HistoryScreen()
        case .storedCall(let id): return InspectorScreen(storedID: id)
        case .diagnose(let subject): return DiagnosisScreen(subject: subject)
        case .plan(let id): return PlanScreen(id: id, app)
        case .events: return EventsScreen()
        }
    }

    /// Shown above the page rather than pushed on the stack.
    public var isOverlay: Bool { self == .help || self == .palette }

    /// The breadcrumb label.
    public var crumb: String {
        switch self {
        case .home: return "Home"
        case .packs: return "Packs"
        case .pack(let name), .method(let name): return name
        case .chains(let pack): return pack.map { "chains of \($0)" } ?? "Chains"
        case .chain(let id): return id
        case .search: return "Search"
        case .help: return "Help"
        case .palette: return "Command"
        case .call(let method, _): return "call \(method)"
        case .form(let seed): return "form \(seed.method)" + (seed.apiVersion == .v3 ? "@v3" : "")
        case .send(let draft): return "call \(draft.method)"
        case .history: return "History"
        case .storedCall(let id): return "call \(id.prefix(8))"
        case .diagnose(let subject): return "diagnose \(subject.method)"
        case .plan(let id): return "plan \(id)"
        case .events: return "Events"
        }
    }

    public var description: String {
        switch self {
        case .pack(let name): return "pack \(name)"
        case .method(let name): return "method \(name)"
        case .chains(let pack): return pack.map { "chains of \($0)" } ?? "chains"
        case .chain(let id): return "chain \(id)"
        default: return crumb.lowercased()
        }
    }
}
