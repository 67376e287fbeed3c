import B24Catalog
import B24Client
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
        return [.readLimiter(generation: state.generation), .schedule(after: tickInterval, .tick)]
    case .start:
        state.generation += 1
        return [.connect(profile: nil, generation: state.generation), .schedule(after: tickInterval, .tick)]
    case .connected(let info, let profiles, let generation):
        guard generation == state.generation else { return [] }  // a connection since replaced
        return connected(&state, info, profiles)
    case .connectFailed(let message, let profiles, let generation):
        guard generation == state.generation else { return [] }
        state.profiles = profiles
        state.connectionState = .failed(message)
        state.status = StatusMessage(message, kind: .error)
        appChanged(&state)
        return []
    case .answered(let id, let answer):
        return deliver(&state, id, answer)
    case .limiterRead(let result, let generation):
        guard generation == state.generation else { return [] }  // the level of a portal since replaced
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
        return runLine(&state, line)
    case .quit:
        return run(&state, .quit)
    }
}

/// Hands an answer to whoever asked for it. Every answer with an id passes here, and answers for a replaced
/// connection or a closed page are dropped here.
func deliver(_ state: inout ConsoleState, _ id: EffectID, _ answer: Answer) -> [Effect] {
    if case .streamed = answer {} else { state.pageWork.remove(id) }  // the last answer of a call or a stream
    guard id.generation == state.generation else { return [] }
    switch id.owner {
    case .root(let purpose):
        switch answer {
        case .call(let outcome): factArrived(&state, purpose, .init(outcome))
        case .ended(let failure): factArrived(&state, purpose, .failure(failure ?? "no answer"))
        case .streamed, .loaded, .edited: break
        }
        if state.status == .refreshing && !state.live.isLoading { state.status = nil }
        return []
    case .page(let pageID):
        if state.overlay?.id == pageID, var overlay = state.overlay {
            let effects = overlay.screen.update(id, answer, state)
            state.overlay = overlay
            return resolve(&state, effects, page: pageID)
        }
        guard let index = state.stack.firstIndex(where: { $0.id == pageID }) else { return [] }
        var page = state.stack[index]
        let effects = page.screen.update(id, answer, state)
        state.stack[index] = page
        return resolve(&state, effects, page: pageID)
    case .unassigned:
        return []
    }
}

/// Applies a screen's intents to the root and stamps its own effects with its page and the connection
/// generation; returns what the runtime must do.
func resolve(_ state: inout ConsoleState, _ effects: [Effect], page: Int) -> [Effect] {
    var out: [Effect] = []
    func stamp(_ id: EffectID) -> EffectID {
        guard id.owner == .unassigned else { return id }
        return EffectID(owner: .page(page), generation: state.generation, name: id.name)
    }
    /// Stamped, and remembered as the page's unfinished work (closing the page cancels it).
    func track(_ id: EffectID) -> EffectID {
        let id = stamp(id)
        state.pageWork.insert(id)
        return id
    }
    for effect in effects {
        switch effect {
        case .run(let command): out += run(&state, command)
        case .runLine(let line): out += runLine(&state, line)
        case .closeOverlay:
            if let overlay = state.overlay { out += state.close(overlay.id) }
            state.overlay = nil
        case .status(let message): state.status = message
        case .fetch(let purpose, let force): out += fetch(&state, purpose, force: force)
        case .call(let id, let request): out.append(.call(track(id), request))
        case .stream(let id, let spec): out.append(.stream(track(id), spec))
        case .load(let id, let spec): out.append(.load(track(id), spec))
        case .openEditor(let id, let text, let name): out.append(.openEditor(track(id), text: text, name: name))
        case .cancel(let id):
            let id = stamp(id)
            state.pageWork.remove(id)
            out.append(.cancel(id))
        case .cancelPage, .connect, .loadTheme, .readLimiter, .schedule, .copy, .quit: out.append(effect)
        }
    }
    return out
}

/// Lets the page on screen react (F5, a send again, being on top again) and applies what it asks for.
func onTopPage(_ state: inout ConsoleState, _ react: (inout any ConsoleScreen, ConsoleState) -> [Effect]) -> [Effect] {
    var page = state.page
    let asked = react(&page.screen, state)
    state.page = page
    return resolve(&state, asked, page: page.id)
}

/// Keys go to the overlay, else to the page on screen; what the screen ignores goes to the global bindings.
func handleKey(_ state: inout ConsoleState, _ key: KeyEvent) -> [Effect] {
    if key.key == .resize { return [] }  // the runtime turns resizes into `.resize(Size)`
    let action = state.keymap.keyAction(for: key)
    let result: KeyResult
    let owner: Int
    if var overlay = state.overlay {
        result = overlay.screen.key(action, key, state)
        state.overlay = overlay
        owner = overlay.id
    } else {
        var page = state.page
        result = page.screen.key(action, key, state)
        state.page = page
        owner = page.id
    }
    switch result {
    case .handled(let effects): return resolve(&state, effects, page: owner)
    case .ignored: return action?.command.map { run(&state, $0) } ?? []
    }
}
