import TerminalKit

/// Search: the query line, then hits (kind, name, title, why it matched).
struct SearchView {
    var state: ConsoleState

    /// Returns the cursor position in the query field.
    func render(into screen: inout Screen, rect: Rect) -> Point? {
        let theme = state.theme
        let (fieldRow, rest) = rect.splitTop(2)
        let field = FormField(label: "Search", value: state.search.query,
                              placeholder: "a method, pack, chain or product word (\"open lines\", \"copilot\")", isFocused: true)
        let cursor = field.render(into: &screen, rect: fieldRow.splitTop(1).0, theme: theme)
        let query = state.search.query.text.trimmingCharacters(in: .whitespaces)
        let title = query.isEmpty ? "Results" : "Results for \"\(query)\""
        PaneList(title: title, rows: Panes.rows(.search, pane: 0, state), scroll: state.page.panes[0], focused: true)
            .render(into: &screen, rect: rest, theme: theme)
        return cursor
    }
}

/// `?`: the help generated from the keymap, plus the palette commands.
struct HelpView {
    var state: ConsoleState
    var offset: Int

    /// Every help line: keys padded to one column, then what they do.
    static func lines(_ keymap: Keymap) -> [String] {
        let entries = ConsoleKeymap.help(keymap)
        let width = min(24, entries.map { displayWidth($0.keys) }.max() ?? 0)
        var lines = entries.map { pad($0.keys, toWidth: width) + "  " + $0.description }
        lines.append("")
        lines.append("Commands (after :): " + paletteCommands.joined(separator: ", "))
        lines.append("Keys: [keys] in $XDG_CONFIG_HOME/b24/config.toml, e.g. quit = [\"q\", \"ctrl+c\"]")
        return lines
    }

    func render(into screen: inout Screen, area: Rect) {
        let all = HelpView.lines(state.keymap)
        let size = Size(width: min(area.width - 2, 86), height: min(area.height - 1, all.count + 4))
        let visible = max(1, size.height - 4)
        let start = min(max(0, offset), max(0, all.count - visible))
        // The body is drawn here, not by Modal, so the key column keeps its padding.
        let modal = Modal(title: "Keys", body: [], footer: "↑↓ scroll · any other key closes", size: size, role: .primary)
        let body = modal.render(into: &screen, area: area, theme: state.theme)
        for (i, line) in all.dropFirst(start).prefix(body.height).enumerated() {
            screen.put(line, at: Point(column: body.column, row: body.row + i), style: state.theme[.text], clip: body)
        }
    }
}
