import TerminalKit

/// The `:` command line, drawn in the key bar's row. Enter runs the line; Esc, Ctrl+C or Backspace on an empty
/// line close it. A line that fails reopens the palette with the text, so nothing typed is lost.
struct PaletteScreen: ConsoleScreen, Equatable {
    var text = EditableText()
    var route: Route { .palette }
    var takesText: Bool { true }
    var placement: Placement { .commandLine }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        switch key.key {
        case .escape: return .handled([.closeOverlay])
        case .enter: return .handled([.closeOverlay, .runLine(text.text)])
        default:
            if key == .ctrl("c") || (key.key == .backspace && text.isEmpty) { return .handled([.closeOverlay]) }
            text.handle(key)
            return .handled([])
        }
    }

    func hints(_ app: ConsoleState) -> [KeyHint] { [] }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let field = FormField(label: "", value: text, placeholder: "packs · pack NAME · method NAME · chains · profile NAME · theme NAME · quit",
                              isFocused: true, labelWidth: 0)
        screen.put(":", at: rect.origin, style: app.theme[.accent], clip: rect)
        return field.render(into: &screen, rect: rect.inset(left: 1), theme: app.theme)
    }
}
