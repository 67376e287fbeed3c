import B24Catalog
import TerminalKit

/// Keys: modal first (palette, help), then the search line, then the keymap.
func handleKey(_ state: inout ConsoleState, _ key: KeyEvent) -> [Effect] {
    if key.key == .resize { return [] }  // the runtime turns resizes into `.resize(Size)`
    switch state.modal {
    case .palette(var text):
        switch key.key {
        case .escape:
            state.modal = nil
            return []
        case .enter:
            state.modal = nil
            return runCommand(&state, text.text)
        default:
            if key == .ctrl("c") { state.modal = nil; return [] }
            if key.key == .backspace && text.isEmpty { state.modal = nil; return [] }
            text.handle(key)
            state.modal = .palette(text)
            return []
        }
    case .help(let offset):
        let action = state.keymap.action(for: key)
        switch action {
        case "down": state.modal = .help(offset + 1)
        case "up": state.modal = .help(max(0, offset - 1))
        case "quit" where key == .ctrl("c"): return reduce(&state, .quit)
        default: state.modal = nil
        }
        return []
    case nil:
        break
    }
    if state.route == .search, let effects = searchKey(&state, key) { return effects }
    guard let action = state.keymap.action(for: key) else { return [] }
    return perform(&state, action)
}

/// Keys on the search screen: typing edits the query; arrows, Enter, Esc navigate. Nil: not handled.
func searchKey(_ state: inout ConsoleState, _ key: KeyEvent) -> [Effect]? {
    switch key.key {
    case .up, .down, .pageUp, .pageDown, .enter, .escape, .tab, .backTab, .function:
        return nil
    case .backspace where state.search.query.isEmpty:
        return nil
    default:
        if key == .ctrl("c") || key == .ctrl("l") { return nil }
        var query = state.search.query
        guard query.handle(key) else { return nil }
        setQuery(&state, query)
        return []
    }
}

/// Changes the search query and recomputes the hits (cursor back to the top).
func setQuery(_ state: inout ConsoleState, _ query: EditableText) {
    state.search.query = query
    recomputeSearchHits(&state)
    if state.route == .search { state.page.panes[0] = ScrollState() }
}

/// The hits of the current query over the catalog and the methods discovered on the portal.
func recomputeSearchHits(_ state: inout ConsoleState) {
    state.search.hits = state.catalog.search(state.search.query.text, limit: 200, discovered: state.otherMethods)
}

/// Rows a list page moves by (the list area of the current layout, roughly).
func pageRows(_ state: ConsoleState) -> Int { max(1, state.size.height - 8) }

/// A keymap action.
func perform(_ state: inout ConsoleState, _ action: String) -> [Effect] {
    let rows = Panes.rows(state.route, pane: state.page.focus, state)
    let paneCount = Panes.titles(state.route, state).count
    switch action {
    case "up": state.page.cursor.move(by: -1, count: rows.count)
    case "down": state.page.cursor.move(by: 1, count: rows.count)
    case "top": state.page.cursor.select(0, count: rows.count)
    case "bottom": state.page.cursor.select(rows.count - 1, count: rows.count)
    case "page-up": state.page.cursor.page(-1, count: rows.count, viewport: pageRows(state))
    case "page-down": state.page.cursor.page(1, count: rows.count, viewport: pageRows(state))
    case "next-tab": state.page.focus = (state.page.focus + 1) % max(1, paneCount)
    case "prev-tab": state.page.focus = (state.page.focus + paneCount - 1) % max(1, paneCount)
    case "select", "right":
        let index = state.page.cursor.selected
        guard index < rows.count else { return [] }
        return activate(&state, rows[index].target)
    case "back", "left":
        return goBack(&state)
    case "search":
        return open(&state, .search)
    case "help":
        state.modal = .help(0)
    case "palette":
        state.modal = .palette(EditableText())
    case "home":
        return open(&state, .home)
    case "packs":
        return open(&state, .packs)
    case "refresh":
        guard state.connection != nil else { return [.connect(profile: state.connection?.profile)] }
        var effects = homeCalls(&state)
        if case .method(let name) = state.route { effects += availabilityCall(&state, name, force: true) }
        state.status = .refreshing
        return effects
    case "redraw":
        return []  // the runtime repaints everything on this key
    case "quit":
        return reduce(&state, .quit)
    default:
        return []
    }
    return []
}

/// Enter on a row.
func activate(_ state: inout ConsoleState, _ target: RowTarget) -> [Effect] {
    switch target {
    case .none: return []
    case .route(let route): return open(&state, route)
    case .profile(let name): return switchProfile(&state, name)
    }
}

/// Esc/Backspace: close the top screen (Home stays).
func goBack(_ state: inout ConsoleState) -> [Effect] {
    if state.stack.count > 1 {
        state.stack.removeLast()
        state.status = nil
    } else {
        state.status = StatusMessage("this is Home — press q to quit")
    }
    return []
}

/// Starts connecting to another profile; the screen stays usable meanwhile.
func switchProfile(_ state: inout ConsoleState, _ name: String) -> [Effect] {
    state.connectionState = .loading
    state.status = StatusMessage("connecting to \(name)…")
    return [.connect(profile: name)]
}
