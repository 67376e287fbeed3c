import TerminalKit

/// The smallest terminal the console lays out in; below it a "terminal too small" screen shows.
public let minimumConsoleSize = Size(width: 60, height: 16)

/// A rendered frame: the screen plus where the text cursor goes (palette / search input), if anywhere.
public struct Frame: Equatable {
    public var screen: Screen
    public var cursor: Point?
}

/// Pure: the state drawn into a screen of `size`.
public func render(_ state: ConsoleState, size: Size) -> Screen { renderFrame(state, size: size).screen }

/// Pure: the state drawn into a screen of `size`, with the cursor position for input lines.
public func renderFrame(_ state: ConsoleState, size: Size) -> Frame {
    let theme = state.theme
    if let small = TerminalSizeGuard.screen(size: size, minimum: minimumConsoleSize, theme: theme) {
        return Frame(screen: small, cursor: nil)
    }
    var screen = Screen(size: size)
    screen.fill(screen.bounds, style: theme[.text])
    var (top, body) = screen.bounds.splitTop(1)
    drawHeader(state, into: &screen, rect: top)
    if state.connection?.production == true {
        let (bannerRow, rest) = body.splitTop(1)
        Banner("PRODUCTION — \(state.connection?.profile ?? "") is a live portal; writes change real data").render(
            into: &screen, rect: bannerRow, theme: theme)
        body = rest
    }
    let (main, bottom) = body.splitBottom(2)
    var cursor = state.page.screen.render(into: &screen, rect: main.inset(left: 1, right: 1), state)
    let (hintRow, statusRow) = bottom.splitTop(1)
    let overlay = state.overlay?.screen
    if let overlay, overlay.placement == .commandLine {
        cursor = overlay.render(into: &screen, rect: hintRow, state)
    } else if let status = state.status, displayWidth(status.text) > statusRoom(state, width: size.width) {
        // A long message takes the hints line too, so it is readable whole; the rest stays left of the
        // right-hand segment and is cut with "…" only when two rows are not enough.
        let room = max(1, statusRoom(state, width: size.width))
        let (first, rest) = splitStatus(status.text, firstWidth: max(1, size.width - 2), restWidth: room)
        screen.fill(hintRow, style: theme[.statusBar])
        screen.put(first, at: Point(column: 1, row: hintRow.row), style: statusStyle(status, theme: theme),
                   clip: hintRow.inset(left: 1, right: 1))
        var remainder = state
        remainder.status = rest.isEmpty ? nil : StatusMessage(rest, kind: status.kind)
        drawStatus(remainder, into: &screen, rect: statusRow)
        return finish(&screen, state: state, main: main, cursor: cursor)
    } else {
        drawHints(state, into: &screen, rect: hintRow)
    }
    drawStatus(state, into: &screen, rect: statusRow)
    return finish(&screen, state: state, main: main, cursor: cursor)
}

/// An overlay drawn over the body (help), and the frame.
private func finish(_ screen: inout Screen, state: ConsoleState, main: Rect, cursor: Point?) -> Frame {
    if let overlay = state.overlay?.screen, overlay.placement == .body {
        let cursor = overlay.render(into: &screen, rect: main, state)
        return Frame(screen: screen, cursor: cursor)
    }
    return Frame(screen: screen, cursor: cursor)
}

/// Columns the status message gets on the status row (what the right segment leaves).
func statusRoom(_ state: ConsoleState, width: Int) -> Int {
    width - displayWidth(statusRight(state)) - 4
}

/// The right segment of the status row: profile, mode, theme.
func statusRight(_ state: ConsoleState) -> String {
    var right: [String] = []
    if let c = state.connection {
        right.append(c.isSandbox ? "sandbox" : "profile \(c.profile)")
        if c.readOnly { right.append("read-only") }
    } else if case .failed = state.connectionState {
        right.append("not connected")
    } else {
        right.append("connecting…")
    }
    right.append("theme \(state.themeName)")
    return right.joined(separator: " · ")
}

/// Top line: app name and the breadcrumb of the route stack.
func drawHeader(_ state: ConsoleState, into screen: inout Screen, rect: Rect) {
    let theme = state.theme
    screen.fill(rect, style: theme[.statusBar])
    let x = screen.put(" b24 ", at: rect.origin, style: onStatusBar(.title, theme: theme).bold, clip: rect)
    let crumbs = breadcrumb(state.stack.map(\.route.crumb), width: rect.maxColumn - x - 2)
    screen.put(" " + crumbs, at: Point(column: x, row: rect.row), style: theme[.statusBar], clip: rect)
}

/// The route stack as "Home › Packs › core", cut at the start when too wide ("… › core › crm.lead.add")
/// so the current location stays visible.
func breadcrumb(_ parts: [String], width: Int) -> String {
    guard width > 0 else { return "" }
    var shown = parts
    var text = shown.joined(separator: " › ")
    while displayWidth(text) > width, shown.count > 1 {
        shown.removeFirst()
        text = "… › " + shown.joined(separator: " › ")
    }
    guard displayWidth(text) > width else { return text }
    // Even the last crumb alone is too wide: keep its end, where names differ.
    let last = shown.last ?? ""
    var tail = ""
    for ch in last.reversed() {
        if displayWidth(String(ch) + tail) > width - 1 { break }
        tail = String(ch) + tail
    }
    return "…" + tail
}

/// The key hints line: the screen's own hints, then the global keys from the keymap (so remapped keys show as
/// remapped). While a screen takes text, a global key is shown by a binding that does not type (f1 rather
/// than ?), or not at all.
func drawHints(_ state: ConsoleState, into screen: inout Screen, rect: Rect) {
    let page = state.page.screen
    var hints = page.hints(state)
    let km = state.keymap
    let globals: [(KeyAction, String)] = [(.search, "search"), (.palette, "command"), (.help, "help"), (.quit, "quit")]
    for (action, label) in globals where !(action == .search && page.route == .search) {
        let keys = km.keys(for: action).filter { !page.takesText || $0.typedCharacter == nil }
        // A key the screen already names does something else there (/ filters the history).
        if let key = keys.first, hints.contains(where: { $0.key == keyLabel(key) }) { continue }
        if let key = keys.first { hints.append(KeyHint(keyLabel(key), label)) } else if !page.takesText { hints.append(KeyHint("—", label)) }
    }
    var spans: [TextSpan] = [TextSpan(" ")]
    var width = 1
    for (i, hint) in hints.enumerated() {
        // Whole hints only: one that does not fit is left out rather than cut ("q qu").
        let gap = i > 0 ? 2 : 0
        let needed = gap + displayWidth(hint.key) + 1 + displayWidth(hint.action)
        guard width + needed <= rect.width else { break }
        width += needed
        if gap > 0 { spans.append(TextSpan("  ", style: state.theme[.muted])) }
        spans.append(TextSpan(hint.key, style: state.theme[.accent]))
        spans.append(TextSpan(" " + hint.action, style: state.theme[.muted]))
    }
    screen.put(spans, at: rect.origin, clip: rect)
}

/// Bottom line: status message on the left, profile / mode / theme on the right.
func drawStatus(_ state: ConsoleState, into screen: inout Screen, rect: Rect) {
    let theme = state.theme
    let bar = theme[.statusBar]
    var left: [TextSpan] = []
    if let status = state.status {
        let text = truncate(status.text.replacingOccurrences(of: "\n", with: " "),
                            toWidth: max(1, statusRoom(state, width: rect.width)))
        left.append(TextSpan(text, style: statusStyle(status, theme: theme)))
    }
    StatusBar(left: left, right: [TextSpan(statusRight(state), style: bar)]).render(into: &screen, rect: rect, theme: theme)
}

/// The status message's colours: its kind's role on the status bar's background.
func statusStyle(_ status: StatusMessage, theme: Theme) -> Style {
    let role: ThemeRole = status.kind == .error ? .error : (status.kind == .warning ? .warning : .statusBar)
    return onStatusBar(role, theme: theme)
}

/// A role's colour on the status bar's background, or the bar's own colours when the two would be
/// unreadable together (high-contrast: bright-yellow title on a bright-white bar).
func onStatusBar(_ role: ThemeRole, theme: Theme) -> Style {
    let bar = theme[.statusBar]
    let style = theme[role].with(bg: bar.background)
    if let ratio = Color.contrastRatio(style.foreground, bar.background), ratio < 3 {
        return bar.adding(style.attributes)
    }
    return style
}

/// A status message split over two rows: what fits on the first (`firstWidth`, word-wrapped) and the
/// rest, cut with "…" to `restWidth`. `rest` is empty when the first row holds it all.
func splitStatus(_ text: String, firstWidth: Int, restWidth: Int) -> (first: String, rest: String) {
    let lines = wrap(text.replacingOccurrences(of: "\n", with: " "), width: firstWidth)
    guard let first = lines.first else { return ("", "") }
    let rest = lines.dropFirst().joined(separator: " ")
    return (first, truncate(rest, toWidth: restWidth))
}
