import B24Catalog
import B24Client
import B24Wire
import TerminalKit

/// The only place the console state changes. No I/O: work for the outside world is returned as effects.
public func reduce(_ state: inout ConsoleState, _ action: Action) -> [Effect] {
    switch action {
    case .key(let key):
        return handleKey(&state, key)
    case .resize(let size):
        state.size = size
        return []
    case .tick:
        guard state.connection != nil else { return [.schedule(after: tickInterval, .tick)] }
        return [.readLimiter, .schedule(after: tickInterval, .tick)]
    case .start:
        return [.connect(profile: nil), .schedule(after: tickInterval, .tick)]
    case .connected(let info, let profiles):
        return connected(&state, info, profiles)
    case .connectFailed(let message, let profiles):
        state.profiles = profiles
        state.connectionState = .failed(message)
        state.status = StatusMessage(message, kind: .error)
        return []
    case .callFinished(let purpose, let outcome):
        callFinished(&state, purpose, outcome)
        return []
    case .limiterRead(let result):
        switch result {
        case .success(let text): state.live.limiter = .loaded(text)
        case .failure(let failure): state.live.limiter = .failed(failure.message)
        }
        return []
    case .themeLoaded(let name, let theme):
        state.theme = theme
        state.themeName = name
        state.status = StatusMessage("theme \(name)")
        return []
    case .themeFailed(let message):
        state.status = StatusMessage(message, kind: .error)
        return []
    case .open(let route):
        return open(&state, route)
    case .command(let line):
        return runCommand(&state, line)
    case .quit:
        state.quitting = true
        return [.quit]
    }
}

/// Seconds between heartbeats (limiter line refresh).
let tickInterval = 2.0

/// Pushes a screen; detail screens ask the portal what they need. A successful navigation clears the
/// status line (an old error or "refreshing…" would otherwise stay for good).
func open(_ state: inout ConsoleState, _ route: Route) -> [Effect] {
    state.modal = nil
    state.status = nil
    if state.route == route { return [] }
    if route == .home {
        state.stack = [Page(.home)]
        return []
    }
    var page = Page(route)
    if case .chain = route {  // start on the first step, not on the "Steps" heading
        let rows = Panes.rows(route, pane: 0, state)
        page.panes[0].selected = rows.firstIndex { $0.target != .none } ?? 0
    }
    state.stack.append(page)
    if case .method(let name) = route { return availabilityCall(&state, name, force: false) }
    return []
}

/// A palette jump: the stack becomes the natural path to `route` (Home › Packs › pack › method), so
/// jumping around never piles up screens and Esc goes to the target's parent. Each parent points at the
/// next step; pages the stack already shows on the same path keep their other panes' cursors.
func jump(_ state: inout ConsoleState, _ route: Route) -> [Effect] {
    let path = naturalPath(route, state)
    guard path.count > 1 else { return open(&state, route) }
    var pages: [Page] = []
    for (i, step) in path.dropLast().enumerated() {
        let reuse = i < state.stack.count && state.stack[i].route == step && pages.count == i
        var page = reuse ? state.stack[i] : Page(step)
        for pane in 0 ..< Panes.titles(step, state).count {
            if let row = Panes.rows(step, pane: pane, state).firstIndex(where: { $0.target == .route(path[i + 1]) }) {
                page.focus = pane
                page.panes[pane].selected = row
                break
            }
        }
        pages.append(page)
    }
    state.stack = pages
    return open(&state, route)
}

/// Where a screen sits when reached by browsing from Home.
func naturalPath(_ route: Route, _ state: ConsoleState) -> [Route] {
    switch route {
    case .home: return [.home]
    case .packs: return [.home, .packs]
    case .pack: return [.home, .packs, route]
    case .method(let name):
        if let entry = state.catalog.entry(for: name) { return [.home, .packs, .pack(entry.pack.name), route] }
        if state.otherMethods.contains(where: { $0.lowercased() == name.lowercased() }) {
            return [.home, .packs, .pack(Panes.otherPackName), route]
        }
        return [.home, route]  // a spec without a pack: no list shows it
    case .chains(let pack):
        guard let pack else { return [.home, route] }
        return [.home, .packs, .pack(pack), route]
    case .chain(let id):
        guard let chain = state.catalog.chain(id: id) else { return [.home, route] }
        return [.home, .packs, .pack(chain.pack), route]
    case .search: return state.stack.map(\.route) + [route]
    }
}

/// `method.get` for a method unless already known (or forced by refresh).
func availabilityCall(_ state: inout ConsoleState, _ name: String, force: Bool) -> [Effect] {
    guard state.connection != nil else { return [] }
    let key = name.lowercased()
    if !force, let known = state.live.availability[key], known != .idle { return [] }
    state.live.availability[key] = .loading
    return [.call(.availability(name), CallRequest(method: "method.get", params: ["name": .string(name)]))]
}

/// The calls that fill Home.
func homeCalls(_ state: inout ConsoleState) -> [Effect] {
    state.live.user = .loading
    state.live.scopes = .loading
    state.live.serverTime = .loading
    state.live.portalMethods = .loading
    return [
        .call(.currentUser, CallRequest(method: "user.current")),
        .call(.scopes, CallRequest(method: "scope")),
        .call(.serverTime, CallRequest(method: "server.time")),
        .call(.portalMethods, CallRequest(method: "methods")),
        .readLimiter,
    ]
}

func connected(_ state: inout ConsoleState, _ info: ConnectionInfo, _ profiles: [ProfileEntry]) -> [Effect] {
    state.connection = info
    state.profiles = profiles
    state.connectionState = .loaded(info.profile)
    state.live = LiveInfo()
    if state.status?.kind != .error {  // a config or theme error stays until something replaces it
        state.status = info.isSandbox
            ? StatusMessage("sandbox portal — no account needed")
            : StatusMessage("connected to \(info.profile)")
    }
    var effects = homeCalls(&state)
    if case .method(let name) = state.route { effects += availabilityCall(&state, name, force: true) }
    if !state.themeFromFlag, let theme = info.theme, theme != state.themeName { effects.append(.loadTheme(theme)) }
    return effects
}

/// Stores a call's result where its screen looks for it.
func callFinished(_ state: inout ConsoleState, _ purpose: CallPurpose, _ outcome: CallOutcome) {
    let failure = outcome.trace.error?.message ?? "call failed"
    switch purpose {
    case .currentUser:
        guard let user = outcome.value else { state.live.user = .failed(failure); return }
        let name = [user["NAME"]?.stringValue, user["LAST_NAME"]?.stringValue]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        let id = user["ID"]?.stringValue ?? user["ID"]?.intValue.map(String.init) ?? "?"
        state.live.user = .loaded("\(name.isEmpty ? "(no name)" : name) (id \(id))")
    case .scopes:
        guard let list = outcome.value?.arrayValue else { state.live.scopes = .failed(failure); return }
        state.live.scopes = .loaded(list.compactMap(\.stringValue))
    case .serverTime:
        guard let time = outcome.value?.stringValue else { state.live.serverTime = .failed(failure); return }
        state.live.serverTime = .loaded(time)
    case .portalMethods:
        guard let list = outcome.value?.arrayValue else { state.live.portalMethods = .failed(failure); return }
        state.live.portalMethods = .loaded(list.compactMap(\.stringValue))
        // Results already on screen gain the newly discovered methods; the cursor stays where it was.
        if state.route == .search, !state.search.query.isEmpty {
            recomputeSearchHits(&state)
        }
    case .availability(let name):
        let key = name.lowercased()
        guard let answer = outcome.value else { state.live.availability[key] = .failed(failure); return }
        if answer["isExisting"]?.boolValue == false {
            state.live.availability[key] = .loaded(.notExisting)
        } else {
            state.live.availability[key] = .loaded(answer["isAvailable"]?.boolValue == true ? .available : .notAvailable)
        }
    }
    if state.status == .refreshing && !state.live.isLoading { state.status = nil }
}
