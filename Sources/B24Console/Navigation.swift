import B24Catalog
import TerminalKit

/// Opens a screen: an overlay route shows it above the page; any other is pushed, asking the portal what it
/// needs. A successful navigation clears the status line (an old error or "refreshing…" would otherwise stay).
func open(_ state: inout ConsoleState, _ route: Route) -> [Effect] {
    let closed = state.overlay.map { state.close($0.id) } ?? []
    if route.isOverlay {
        state.overlay = state.makePage(route)
        return closed
    }
    state.overlay = nil
    state.status = nil
    if state.route == route { return closed }
    if route == .home {
        let pages = state.stack.dropFirst().flatMap { state.close($0.id) }
        state.stack = [state.stack[0]]
        return closed + pages
    }
    var page = state.makePage(route)
    let effects = page.screen.opened(state)
    state.stack.append(page)
    return closed + resolve(&state, effects, page: page.id)
}

/// A palette jump: the stack becomes the natural path to `route` (Home › Packs › pack › method), so jumping
/// around never piles up screens and Esc goes to the target's parent. Each parent points at the next step; pages
/// the stack already shows on the same path keep their other panes' cursors.
func jump(_ state: inout ConsoleState, _ route: Route) -> [Effect] {
    let path = naturalPath(route, state)
    guard path.count > 1 else { return open(&state, route) }
    var pages: [Page] = []
    for (i, step) in path.dropLast().enumerated() {
        let reuse = i < state.stack.count && state.stack[i].route == step && pages.count == i
        var page = reuse ? state.stack[i] : state.makePage(step)
        _ = page.screen.point(at: path[i + 1], state)
        pages.append(page)
    }
    let kept = Set(pages.map(\.id))
    let closed = state.stack.filter { !kept.contains($0.id) }.flatMap { state.close($0.id) }
    state.stack = pages
    return closed + open(&state, route)
}

/// Where a screen sits when reached by browsing from Home.
func naturalPath(_ route: Route, _ state: ConsoleState) -> [Route] {
    switch route {
    case .home, .help, .palette: return [.home]
    case .packs: return [.home, .packs]
    case .pack: return [.home, .packs, route]
    case .method(let name):
        if let entry = state.catalog.entry(for: name) { return [.home, .packs, .pack(entry.pack.name), route] }
        if state.otherMethods.contains(where: { $0.lowercased() == name.lowercased() }) {
            return [.home, .packs, .pack(CatalogRows.otherPackName), route]
        }
        return [.home, route]  // a spec without a pack: no list shows it
    case .chains(let pack):
        guard let pack else { return [.home, route] }
        return [.home, .packs, .pack(pack), route]
    case .chain(let id):
        guard let chain = state.catalog.chain(id: id) else { return [.home, route] }
        return [.home, .packs, .pack(chain.pack), route]
    case .search, .call, .form, .send, .diagnose, .plan: return state.stack.map(\.route) + [route]
    case .history: return [.home, .history]
    case .events: return [.home, .events]
    case .storedCall: return [.home, .history, route]
    }
}

/// Esc/Backspace: close the top screen (Home stays); its unfinished work is cancelled.
func goBack(_ state: inout ConsoleState) -> [Effect] {
    guard state.stack.count > 1 else {
        state.status = StatusMessage("this is Home — press q to quit")
        return []
    }
    let closed = state.stack.removeLast()
    if let (key, value) = closed.screen.keptWhenClosed { state.formDrafts[key] = value }
    state.status = nil
    let cancelled = state.close(closed.id)
    return cancelled + onTopPage(&state) { screen, app in screen.revealed(app) }
}
