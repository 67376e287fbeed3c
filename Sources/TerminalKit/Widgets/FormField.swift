/// A labelled single-line input: `Label: [value    ]`. The value scrolls horizontally to keep the
/// cursor visible. `render` returns where the terminal cursor belongs (nil when not focused or hidden).
public struct FormField {
    public var label: String
    public var value: EditableText
    public var placeholder: String
    public var isFocused: Bool
    /// Shows `*` per grapheme instead of the text (secrets).
    public var isSecret: Bool
    /// Width given to the label column (nil = the label's own width); lets a form align its inputs.
    public var labelWidth: Int?
    /// Optional message under/after the field, e.g. a validation error (drawn in `theme[.error]`).
    public var error: String?

    public init(label: String, value: EditableText, placeholder: String = "", isFocused: Bool = false,
                isSecret: Bool = false, labelWidth: Int? = nil, error: String? = nil) {
        self.label = label
        self.value = value
        self.placeholder = placeholder
        self.isFocused = isFocused
        self.isSecret = isSecret
        self.labelWidth = labelWidth
        self.error = error
    }

    /// Draws on the first row of `rect` (and the error on the second row if there is room).
    @discardableResult
    public func render(into screen: inout Screen, rect: Rect, theme: Theme) -> Point? {
        guard !rect.isEmpty else { return nil }
        let row = Rect(column: rect.column, row: rect.row, width: rect.width, height: 1)
        screen.fill(row, style: theme[.text])
        let lw = min(labelWidth ?? (displayWidth(label) + (label.isEmpty ? 0 : 1)), rect.width)
        let labelStyle = isFocused ? theme[.primary] : theme[.text]
        screen.put(pad(label.isEmpty ? "" : label + ":", toWidth: lw), at: row.origin, style: labelStyle, clip: row)
        let input = Rect(column: row.column + lw + (lw > 0 ? 1 : 0), row: row.row,
                         width: max(0, row.width - lw - (lw > 0 ? 1 : 0)), height: 1)
        guard input.width > 0 else { return nil }
        let inputStyle = theme[.input]
        screen.fill(input, style: inputStyle)
        let shown = isSecret ? EditableText(String(repeating: "*", count: value.characters.count), cursor: value.cursor) : value
        if shown.isEmpty && !placeholder.isEmpty {
            screen.put(placeholder, at: input.origin, style: inputStyle.adding(.dim), clip: input)
        }
        // Scroll so the cursor cell (one past the text at the end) fits in the input.
        let cursorColumn = shown.cursorColumn
        let scroll = max(0, cursorColumn - (input.width - 1))
        screen.put(dropColumns([TextSpan(shown.text, style: inputStyle)], scroll), at: input.origin, clip: input)
        if let error, rect.height > 1 {
            screen.put(truncate(error, toWidth: input.width), at: Point(column: input.column, row: rect.row + 1),
                       style: theme[.error], clip: rect)
        }
        guard isFocused else { return nil }
        return Point(column: input.column + cursorColumn - scroll, row: input.row)
    }
}
