import B24Catalog
import B24Wire
import Foundation
import TerminalKit

/// A value that arrives later from the portal.
public enum Loadable<Value: Equatable & Sendable>: Equatable, Sendable {
    case idle, loading
    case loaded(Value)
    case failed(String)

    /// The value when loaded.
    public var value: Value? { if case .loaded(let v) = self { return v } else { return nil } }
}

/// What the status line says and how loudly.
public struct StatusMessage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case info, warning, error }
    public var text: String
    public var kind: Kind

    public init(_ text: String, kind: Kind = .info) {
        self.text = text
        self.kind = kind
    }

    /// Shown while F5/Ctrl-R reloads the portal facts; cleared when the last answer arrives.
    public static let refreshing = StatusMessage("refreshing…")
}

/// A saved profile as the switcher lists it (no secrets: the portal URL only).
public struct ProfileEntry: Equatable, Sendable {
    public var name: String
    public var portal: String
    public var isDefault: Bool
    public var production: Bool

    public init(name: String, portal: String, isDefault: Bool = false, production: Bool = false) {
        self.name = name
        self.portal = portal
        self.isDefault = isDefault
        self.production = production
    }

    /// The pseudo-profile that starts the embedded sandbox portal.
    public static let sandboxName = "sandbox"
}

/// The portal the console talks to, as far as the screen needs it. URLs are already redacted.
public struct ConnectionInfo: Equatable, Sendable {
    public var profile: String
    /// Portal base URL (no webhook code).
    public var portal: String
    /// Auth summary with the secret masked, e.g. "webhook (user 1, code ****abcd)".
    public var auth: String
    public var isSandbox: Bool
    public var production: Bool
    public var readOnly: Bool
    /// The profile's own theme, applied unless `--theme` was given.
    public var theme: String?
    /// Leaky bucket of this profile, e.g. "50/2".
    public var bucket: String

    public init(profile: String, portal: String, auth: String, isSandbox: Bool = false, production: Bool = false,
                readOnly: Bool = false, theme: String? = nil, bucket: String = "50/2") {
        self.profile = profile
        self.portal = portal
        self.auth = auth
        self.isSandbox = isSandbox
        self.production = production
        self.readOnly = readOnly
        self.theme = theme
        self.bucket = bucket
    }
}

/// Facts about the portal that Home shows, filled by calls through B24Client.
public struct LiveInfo: Equatable, Sendable {
    /// "Иван Петров (id 3)".
    public var user: Loadable<String> = .idle
    public var scopes: Loadable<[String]> = .idle
    public var serverTime: Loadable<String> = .idle
    /// "level 3.0 of 50/2".
    public var limiter: Loadable<String> = .idle
    /// Methods the portal reports (`methods`).
    public var portalMethods: Loadable<[String]> = .idle
    /// `method.get` answers by lower-cased method name.
    public var availability: [String: Loadable<MethodAvailability>] = [:]

    public init() {}

    /// True while any portal fact is still on its way.
    public var isLoading: Bool {
        user == .loading || scopes == .loading || serverTime == .loading || portalMethods == .loading
            || availability.values.contains(.loading)
    }
}

/// What `method.get` said about a method.
public enum MethodAvailability: Equatable, Sendable {
    case available, notAvailable, notExisting
}

/// The whole console state. Only `reduce` changes it.
public struct ConsoleState {
    private let catalogStore: LazyCatalog
    /// The catalog, loaded on first use (the first frame, "connecting…", does not need it).
    public var catalog: Catalog { catalogStore.value }
    /// Never empty; the last page is on screen.
    public var stack: [Page]
    /// The chain run under way (`p` on a chain), across the forms and calls of its steps.
    public var chainRun: ChainRun?
    /// Drawn above the page (help, the palette).
    public var overlay: Page?
    /// The id the next page gets.
    var nextPageID = 1
    /// Work pages started that has not answered for the last time yet (calls, streams): closing such a page
    /// cancels it.
    var pageWork: Set<EffectID> = []
    public var status: StatusMessage?
    public var connection: ConnectionInfo?
    /// Counts connections: answers for an older one are dropped.
    public var generation = 0
    /// Connecting / connection error, shown on Home until connected.
    public var connectionState: Loadable<String> = .loading
    public var live = LiveInfo()
    public var profiles: [ProfileEntry] = []
    public var keymap: Keymap
    public var theme: Theme
    public var themeName: String
    /// True when `--theme` was given (a profile's theme then does not apply).
    public var themeFromFlag = false
    public var size: Size
    public var readOnlyFlag = false
    public var quitting = false
    /// What was typed in forms that were left (Esc), by ``FormSeed/draftKey``: the form opens with it again.
    public var formDrafts: [String: JSONValue] = [:]

    public init(catalog: @escaping @autoclosure () -> Catalog = Catalog.bundled, keymap: Keymap = ConsoleKeymap.defaults,
                theme: Theme = .plain, themeName: String = "default", size: Size = Size(width: 80, height: 24)) {
        self.catalogStore = LazyCatalog(catalog)
        self.keymap = keymap
        self.theme = theme
        self.themeName = themeName
        self.size = size
        stack = [Page(id: 0, screen: HomeScreen())]
        stack[0].screen.appChanged(self)
    }

    /// The page on screen.
    public var page: Page {
        get { stack[stack.count - 1] }
        set { stack[stack.count - 1] = newValue }
    }

    /// The route on screen.
    public var route: Route { page.route }

    /// Methods the portal has that no pack lists (the "other" pack).
    public var otherMethods: [String] {
        guard let all = live.portalMethods.value else { return [] }
        return catalog.unlisted(from: all)
    }

    /// What closing page `id` must stop: its unfinished work, if it has any.
    mutating func close(_ id: Int) -> [Effect] {
        let work = pageWork.filter { $0.owner == .page(id) }
        guard !work.isEmpty else { return [] }
        pageWork.subtract(work)
        return [.cancelPage(id)]
    }

    /// A new page for `route`, with the next id.
    mutating func makePage(_ route: Route) -> Page {
        defer { nextPageID += 1 }
        return Page(id: nextPageID, screen: route.makeScreen(self))
    }
}

/// Loads the catalog once, on first use, from any thread.
final class LazyCatalog: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: Catalog?
    private let load: () -> Catalog

    init(_ load: @escaping () -> Catalog) { self.load = load }

    var value: Catalog {
        lock.lock(); defer { lock.unlock() }
        if let loaded { return loaded }
        let catalog = load()
        loaded = catalog
        return catalog
    }
}
