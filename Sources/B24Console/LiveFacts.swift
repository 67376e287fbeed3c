import B24Client
import B24Wire

/// Seconds between heartbeats (limiter line refresh).
let tickInterval = 2.0

/// A root-owned call for the current connection.
func rootCall(_ state: ConsoleState, _ purpose: CallPurpose, _ request: CallRequest) -> Effect {
    var request = request
    request.recording = .none  // background discovery reads are not the user's calls: no history, no audit
    return .call(EffectID(owner: .root(purpose), generation: state.generation, name: request.method), request)
}

/// The calls that fill Home.
func homeCalls(_ state: inout ConsoleState) -> [Effect] {
    state.live.user = .loading
    state.live.scopes = .loading
    state.live.serverTime = .loading
    state.live.portalMethods = .loading
    return [
        rootCall(state, .currentUser, CallRequest(method: "user.current")),
        rootCall(state, .scopes, CallRequest(method: "scope")),
        rootCall(state, .serverTime, CallRequest(method: "server.time")),
        rootCall(state, .portalMethods, CallRequest(method: "methods")),
        .readLimiter(generation: state.generation),
    ]
}

/// A portal fact a screen asked for: `method.get` for a method unless already known (or forced by refresh).
func fetch(_ state: inout ConsoleState, _ purpose: CallPurpose, force: Bool) -> [Effect] {
    guard state.connection != nil else { return [] }
    switch purpose {
    case .availability(let name):
        let key = name.lowercased()
        if !force, let known = state.live.availability[key], known != .idle { return [] }
        state.live.availability[key] = .loading
        return [rootCall(state, purpose, CallRequest(method: "method.get", params: ["name": .string(name)]))]
    case .currentUser, .scopes, .serverTime, .portalMethods:
        return homeCalls(&state)
    }
}

/// A new connection: Home's facts, the page on screen asked again, the profile's theme.
func connected(_ state: inout ConsoleState, _ info: ConnectionInfo, _ profiles: [ProfileEntry]) -> [Effect] {
    state.connection = info
    state.profiles = profiles
    state.connectionState = .loaded(info.profile)
    state.live = LiveInfo()
    state.pageWork = state.pageWork.filter { $0.generation == state.generation }  // the runtime cancelled the rest
    if state.status?.kind != .error {  // a config or theme error stays until something replaces it
        state.status = info.isSandbox
            ? StatusMessage("sandbox portal — no account needed")
            : StatusMessage("connected to \(info.profile)")
    }
    var effects = homeCalls(&state)
    effects += refreshPages(&state)
    if !state.themeFromFlag, let theme = info.theme, theme != state.themeName { effects.append(.loadTheme(theme)) }
    return effects
}

/// What a root-owned call brought: the envelope's `result`, or why there is none.
enum FactAnswer {
    case value(JSONValue?)
    case failure(String)

    init(_ outcome: CallOutcome) {
        switch outcome.result {
        case .success: self = .value(outcome.value)
        case .failure(let error): self = .failure(ConsoleWords.error(error))
        }
    }

    var value: JSONValue? { if case .value(let v) = self { return v } else { return nil } }
    var failure: String { if case .failure(let f) = self { return f } else { return "call failed" } }
}

/// Stores a root-owned call's result where the screens look for it.
func factArrived(_ state: inout ConsoleState, _ purpose: CallPurpose, _ outcome: FactAnswer) {
    let failure = outcome.failure
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
        appChanged(&state)
    case .availability(let name):
        let key = name.lowercased()
        guard let answer = outcome.value else { state.live.availability[key] = .failed(failure); return }
        if answer["isExisting"]?.boolValue == false {
            state.live.availability[key] = .loaded(.notExisting)
        } else {
            state.live.availability[key] = .loaded(answer["isAvailable"]?.boolValue == true ? .available : .notAvailable)
        }
    }
}

/// Tells every page that the root's facts changed (profiles, the portal's methods).
func appChanged(_ state: inout ConsoleState) {
    for index in state.stack.indices { state.stack[index].screen.appChanged(state) }
}

/// A new connection: every page asks again for what it shows from the portal.
func refreshPages(_ state: inout ConsoleState) -> [Effect] {
    appChanged(&state)
    var effects: [Effect] = []
    for index in state.stack.indices {
        var page = state.stack[index]
        let asked = page.screen.reconnected(state)
        state.stack[index] = page
        effects += resolve(&state, asked, page: page.id)
    }
    return effects
}
