import B24Catalog
import B24Client
import B24Wire
import TerminalKit

/// How a form draws itself: a title line, where the inputs came from, one line per input (entries, conditions
/// and terms under their input, a validation message under a wrong one), the Send button, and a help line for
/// the input under the cursor; or the raw JSON; pickers and the write review over it.
extension FormScreen {
    func hints(_ app: ConsoleState) -> [KeyHint] {
        if review != nil || picker != nil { return [] }
        let keys = app.keymap
        // A form types printable keys, so its hints name a key that is not one (F2 rather than r).
        func key(_ action: KeyAction) -> String {
            keys.keys(for: action).first { $0.typedCharacter == nil }.map(keyLabel) ?? keyLabel(keys, action)
        }
        if showsRaw {
            return [KeyHint("↑↓", "scroll"), KeyHint(key(.rawView) + "/esc", "form"), KeyHint(key(.editExternally), "$EDITOR"),
                    KeyHint(key(.send), "send")]
        }
        return [KeyHint("↑↓", "move"), KeyHint("enter", "choose"), KeyHint(key(.send), "send"),
                KeyHint(key(.addEntry), "add"), KeyHint(key(.removeEntry), "remove"),
                KeyHint(key(.rawView), "raw JSON"), KeyHint(key(.editExternally), "$EDITOR"), KeyHint("esc", "back")]
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let risk = Guardrails.risk(of: method, params: .emptyObject, catalog: app.catalog)
        var column = screen.put(method, at: rect.origin, style: theme[.title], clip: rect)
        column = screen.put("  form · REST \(apiVersion == .v3 ? "3.0" : "v2") · ", at: Point(column: column, row: rect.row), style: theme[.muted], clip: rect)
        screen.put("\(risk)", at: Point(column: column, row: rect.row), style: theme[CatalogRows.role(risk)], clip: rect)
        screen.put(source, at: Point(column: rect.column, row: rect.row + 1), style: theme[.muted], clip: rect)
        let body = rect.inset(top: 3)
        var cursorPoint: Point?
        if showsRaw {
            drawRaw(into: &screen, rect: body, theme: theme)
        } else {
            cursorPoint = drawInputs(into: &screen, rect: body, mayWrite: risk.mayChangeData, app)
        }
        if let picker {
            return picker.render(into: &screen, area: rect, theme: theme)
        }
        if let review {
            return review.render(into: &screen, area: rect, theme: theme, connection: app.connection)
        }
        return cursorPoint
    }

    private func drawRaw(into screen: inout Screen, rect: Rect, theme: Theme) {
        var row = rect.row
        let title = brokenRaw == nil ? "The parameters as JSON (what is sent):" : "The text from the editor, as you left it:"
        screen.put(title, at: rect.origin, style: theme[.header], clip: rect)
        row += 1
        if let rawProblem {
            for line in wrap(rawProblem, width: rect.width).prefix(2) {
                screen.put(line, at: Point(column: rect.column, row: row), style: theme[.error], clip: rect)
                row += 1
            }
        }
        let text = brokenRaw ?? JSONWriter.pretty(model.draft)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = min(rawOffset, max(0, lines.count - 1))
        for line in lines.dropFirst(start).prefix(max(0, rect.maxRow - row)) {
            screen.put(String(line), at: Point(column: rect.column, row: row), style: theme[.accent], clip: rect)
            row += 1
        }
    }

    /// The label column: wide enough for most titles, never more than a third of the screen.
    private func labelWidth(_ width: Int) -> Int {
        let widest = model.inputs.map { displayWidth($0.title) + ($0.required ? 2 : 0) }.max() ?? 10
        return max(12, min(widest + 3, width / 3, 32))
    }

    private func drawInputs(into screen: inout Screen, rect: Rect, mayWrite: Bool, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let all = rows
        let (list, helpRow) = rect.splitBottom(1)
        let labelWidth = labelWidth(rect.width)
        var scroll = cursor
        // The reason under the input at the cursor is shown with it (after a failed check it sits below).
        if let input = Self.inputIndex(focusedRow), let problem = all.firstIndex(of: .problem(input)), problem > cursor.selected {
            scroll.selected = problem
            scroll.ensureVisible(count: all.count, viewport: list.height)
            scroll.selected = cursor.selected
        }
        scroll.ensureVisible(count: all.count, viewport: list.height)
        let offset = scroll.visibleOffset(count: all.count, viewport: list.height)
        var cursorPoint: Point?
        for (i, row) in all.dropFirst(offset).prefix(list.height).enumerated() {
            let index = offset + i
            let line = Rect(column: list.column, row: list.row + i, width: list.width, height: 1)
            let focused = index == cursor.selected && picker == nil && review == nil
            let (labelRect, valueRect) = line.splitLeft(labelWidth)
            let point = drawRow(row, focused: focused, label: labelRect, value: valueRect, into: &screen, theme: theme, mayWrite: mayWrite)
            if focused { cursorPoint = point }
        }
        drawHelp(into: &screen, rect: helpRow, theme: theme)
        return cursorPoint
    }

    private func drawRow(_ row: Row, focused: Bool, label: Rect, value: Rect, into screen: inout Screen, theme: Theme,
                         mayWrite: Bool) -> Point? {
        let labelStyle = focused ? theme[.primary] : theme[.text]
        func putLabel(_ text: String, required: Bool = false) {
            // A title longer than the column is cut one cell early, so it never runs into the value.
            let clip = Rect(column: label.column, row: label.row, width: max(0, label.width - 1), height: 1)
            let column = screen.put((focused ? "› " : "  ") + text, at: label.origin, style: labelStyle, clip: clip)
            if required { screen.put(" *", at: Point(column: column, row: label.row), style: theme[.warning], clip: label) }
        }
        func field(_ text: EditableText, placeholder: String, in rect: Rect) -> Point? {
            FormField(label: "", value: text, placeholder: placeholder, isFocused: focused, labelWidth: 0).render(into: &screen, rect: rect, theme: theme)
        }
        func note(_ spans: [Span], in rect: Rect) {
            var column = rect.column
            for span in spans { column = screen.put(span.text, at: Point(column: column, row: rect.row), style: theme[span.role], clip: rect) }
        }
        switch row {
        case .send:
            screen.put((focused ? "› " : "  ") + "[ Send ]", at: label.origin, style: focused ? theme[.selection] : theme[.primary], clip: label)
            note([Span(mayWrite ? "checks every input, then shows the payload to confirm" : "checks every input, then sends", .muted)], in: value)
            return nil
        case .problem(let i):
            note([Span("↳ " + (model.inputs[i].error ?? ""), .error)], in: value)
            return nil
        case .entry(let i, let e):
            let entry = model.inputs[i].entries[e]
            putLabel("   #\(e + 1)")
            let (typeRect, rest) = value.splitLeft(10)
            note([Span(entry.valueType, .accent)], in: typeRect)
            return field(entry.value, placeholder: model.inputs[i].key.uppercased() == "EMAIL" ? "name@example.com" : "value", in: rest)
        case .condition(let i, let c):
            let condition = model.inputs[i].conditions[c]
            putLabel("   where")
            let text = "\(condition.op.rawValue)\(condition.field) "
            let (opRect, rest) = value.splitLeft(min(value.width / 2, displayWidth(text) + 1))
            note([Span(text, .accent)], in: opRect)
            return field(condition.value, placeholder: condition.op.takesList ? "a, b, c" : model.kind(ofField: condition.field).label, in: rest)
        case .term(let i, let t):
            let term = model.inputs[i].terms[t]
            putLabel("   by")
            note([Span(term.field + "  ", .accent), Span(term.descending ? "DESC" : "ASC", .primary), Span("  space flips", .muted)], in: value)
            return nil
        case .line(let i, let l):
            putLabel("   \(l + 1)")
            return field(model.inputs[i].lines[l], placeholder: "KEY=VALUE, e.g. ID=5 or filter={\">ID\": 100}", in: value)
        case .input(let i):
            let input = model.inputs[i]
            putLabel(input.title, required: input.required)
            return drawValue(input, focused: focused, in: value, field: field, note: note)
        }
    }

    /// The value part of an input's line; drawing goes through the row's `field` and `note`.
    private func drawValue(_ input: FormInput, focused: Bool, in value: Rect,
                           field: (EditableText, String, Rect) -> Point?, note: ([Span], Rect) -> Void) -> Point?
    {
        switch input.kind {
        case .yesNo, .boolean:
            let shown = input.text.isEmpty ? "[ ] not set" : "[\(input.text.text)]"
            note([Span(shown, input.text.isEmpty ? .muted : .primary), Span(focused ? "  space or y/n sets it" : "", .muted)], value)
        case .choice, .status:
            if input.text.isEmpty {
                note([Span("— enter chooses —", .muted)], value)
            } else {
                let title = self.title(of: input.text.text, in: input)
                note([Span(input.text.text, .primary), Span(title.map { "  \($0)" } ?? "", .text)], value)
            }
        case .reference(let reference):
            let (idRect, rest) = value.splitLeft(min(24, value.width))
            let point = field(input.text, "\(reference.entity) ID · enter finds", idRect)
            if let name = title(of: input.text.text, in: input) { note([Span("  " + name, .text)], rest) }
            return point
        case .multifield:
            note([Span(input.entries.count == 1 ? "1 entry" : "\(input.entries.count) entries", .text), Span("  enter or ctrl+n adds one", .muted)], value)
        case .filter:
            note([Span(input.conditions.isEmpty ? "no conditions" : counted(input.conditions.count, "condition"), .text),
                  Span("  enter adds one (all must match)", .muted)], value)
        case .order:
            note([Span(input.terms.isEmpty ? "the portal's order" : counted(input.terms.count, "term"), .text),
                  Span("  enter adds a field", .muted)], value)
        case .select:
            note(input.picks.isEmpty ? [Span("the default fields — enter picks", .muted)] : [Span(input.picks.joined(separator: ", "), .primary)], value)
        case .pairs:
            note([Span(counted(input.lines.count, "line"), .text), Span("  ctrl+n adds one", .muted)], value)
        default:
            // An example reads as one ("e.g. 0"), never as a value already filled in.
            let hint = input.example.map { $0.hasPrefix("default:") ? $0 : "e.g. " + $0 } ?? input.kind.label
            return field(input.text, hint, value)
        }
        return nil
    }

    /// One line about the input under the cursor: its name, type and description.
    private func drawHelp(into screen: inout Screen, rect: Rect, theme: Theme) {
        guard let index = Self.inputIndex(focusedRow), model.inputs.indices.contains(index) else { return }
        let input = model.inputs[index]
        var parts = [input.path, input.kind.label]
        if input.required { parts.append("required") }
        if input.multiple { parts.append("several, comma-separated") }
        if !input.note.isEmpty, input.note != input.kind.label { parts.append(input.note) }
        screen.put(parts.joined(separator: " · "), at: rect.origin, style: theme[.muted], clip: rect)
    }
}
