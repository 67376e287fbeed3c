import TerminalKit

/// `?`: every key and what it does, generated from the keymap (so remapped keys show as remapped), then the
/// palette's commands. An overlay: ↑↓ scroll, any other key closes it.
struct HelpScreen: ConsoleScreen, Equatable {
    var offset = 0
    var route: Route { .help }

    /// Every help line: keys padded to one column, then what they do. Within `width`, a long description
    /// continues on the next lines under itself (nothing is cut off).
    static func lines(_ keymap: Keymap, width: Int = .max) -> [String] {
        let entries = ConsoleKeymap.help(keymap)
        let keysWidth = min(24, entries.map { displayWidth($0.keys) }.max() ?? 0)
        let textWidth = max(20, width == .max ? .max : width - keysWidth - 2)
        var lines: [String] = []
        for entry in entries {
            let parts = textWidth == .max ? [entry.description] : wrap(entry.description, width: textWidth)
            for (index, part) in parts.enumerated() {
                lines.append(pad(index == 0 ? entry.keys : "", toWidth: keysWidth) + "  " + part)
            }
        }
        lines.append("")
        let notes = ["Commands (after :): " + Command.paletteUsage.joined(separator: ", "),
                     "Keys: [keys] in $XDG_CONFIG_HOME/b24/config.toml, e.g. quit = [\"q\", \"ctrl+c\"]"]
        for note in notes { lines += width == .max ? [note] : wrap(note, width: max(20, width)) }
        return lines
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        switch action {
        case .down?: offset += 1
        case .up?: offset = max(0, offset - 1)
        case .quit? where key == .ctrl("c"): return .handled([.closeOverlay, .run(.quit)])
        default: return .handled([.closeOverlay])
        }
        return .handled([])
    }

    func hints(_ app: ConsoleState) -> [KeyHint] { [] }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let all = Self.lines(app.keymap, width: min(rect.width - 2, 86) - 4)
        let size = Size(width: min(rect.width - 2, 86), height: min(rect.height - 1, all.count + 4))
        let visible = max(1, size.height - 4)
        let start = min(max(0, offset), max(0, all.count - visible))
        // The body is drawn here, not by Modal, so the key column keeps its padding.
        let modal = Modal(title: "Keys", body: [], footer: "↑↓ scroll · any other key closes", size: size, role: .primary)
        let body = modal.render(into: &screen, area: rect, theme: app.theme)
        for (i, line) in all.dropFirst(start).prefix(body.height).enumerated() {
            screen.put(line, at: Point(column: body.column, row: body.row + i), style: app.theme[.text], clip: body)
        }
        return nil
    }
}
