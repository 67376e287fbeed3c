import TerminalKit

/// A list to pick from, drawn over the form: a query line, the choices, one picked (or several, for `select`).
/// Enumerations, statuses, value types, filter fields and operators, order fields, and reference lookups (whose
/// choices come from the portal as the query is searched) all use it.
struct FormPicker: Equatable, Sendable {
    /// What the picked value is for.
    enum Purpose: Equatable, Sendable {
        case value(input: Int)
        case entryType(input: Int, entry: Int)
        /// A filter condition's field (nil: a new condition).
        case conditionField(input: Int, condition: Int?)
        case conditionOperator(input: Int, condition: Int)
        case selectFields(input: Int)
        /// An order term's field (nil: a new term).
        case orderField(input: Int, term: Int?)
        case lookup(input: Int)
    }

    var purpose: Purpose
    var title: String
    var choices: [Choice]
    var query = EditableText()
    var cursor = ScrollState()
    /// Several can be picked (Space marks, Enter confirms).
    var multi = false
    var chosen: [String] = []
    /// Shown instead of the list while choices load ("searching…").
    var loading: String?
    /// Why there are no choices (a failed lookup), shown in place.
    var problem: String?
    /// A lookup: the query the shown results answer (Enter searches again when the query changed).
    var searched: String?

    var isLookup: Bool { if case .lookup = purpose { return true } else { return false } }

    /// The choices the query leaves (a lookup's come from the portal already matched).
    var visible: [Choice] {
        let text = query.text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty, !isLookup else { return choices }
        // Best matches first: the exact name, then names that start with the text, then any that contain it.
        func rank(_ choice: Choice) -> Int? {
            let id = choice.id.lowercased(), title = choice.title.lowercased()
            if id == text { return 0 }
            if id.hasPrefix(text) || title.hasPrefix(text) { return 1 }
            return id.contains(text) || title.contains(text) ? 2 : nil
        }
        return choices.enumerated().compactMap { index, choice in rank(choice).map { ($0, index, choice) } }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    var current: Choice? {
        let list = visible
        return list.indices.contains(cursor.selected) ? list[cursor.selected] : nil
    }

    /// Marks or unmarks the current choice of a multi picker.
    mutating func toggleCurrent() {
        guard let id = current?.id else { return }
        if let index = chosen.firstIndex(of: id) { chosen.remove(at: index) } else { chosen.append(id) }
    }

    /// Movement keys and typing into the query; true when the key was one of them.
    mutating func handleListKey(_ key: KeyEvent, viewport: Int) -> Bool {
        let count = visible.count
        switch key.key {
        case .up: cursor.move(by: -1, count: count)
        case .down: cursor.move(by: 1, count: count)
        case .pageUp: cursor.page(-1, count: count, viewport: viewport)
        case .pageDown: cursor.page(1, count: count, viewport: viewport)
        default:
            guard query.handle(key) else { return false }
            cursor = ScrollState()
        }
        return true
    }

    /// Draws the picker centred over `area`; returns where the text cursor goes (the query line).
    @discardableResult
    func render(into screen: inout Screen, area: Rect, theme: Theme) -> Point? {
        let list = visible
        let footer = multi ? "space mark · enter done · esc cancel"
            : isLookup ? "type a name · enter search, then pick · esc cancel" : "type to filter · enter pick · esc cancel"
        let height = min(area.height - 2, max(list.count, 3) + 5)
        let modal = Modal(title: title, body: [], footer: footer, size: Size(width: min(64, area.width - 4), height: height), role: .primary)
        let body = modal.render(into: &screen, area: area, theme: theme)
        guard body.height > 1 else { return nil }
        let field = FormField(label: isLookup ? "Find" : "Filter", value: query, placeholder: isLookup ? "a name or part of it" : "",
                              isFocused: true)
        let cursorPoint = field.render(into: &screen, rect: body.splitTop(1).0, theme: theme)
        let rows = body.inset(top: 1)
        if let message = loading ?? problem ?? (list.isEmpty ? (isLookup && searched == nil ? "Enter searches the portal" : "nothing matches") : nil) {
            let role: ThemeRole = problem != nil ? .error : .muted
            for (i, line) in wrap(message, width: rows.width).prefix(rows.height).enumerated() {
                screen.put(line, at: Point(column: rows.column, row: rows.row + i), style: theme[role], clip: rows)
            }
            return cursorPoint
        }
        let offset = cursor.visibleOffset(count: list.count, viewport: rows.height)
        for (i, choice) in list.dropFirst(offset).prefix(rows.height).enumerated() {
            let index = offset + i
            let line = Rect(column: rows.column, row: rows.row + i, width: rows.width, height: 1)
            let isCurrent = index == cursor.selected
            let mark = multi ? (chosen.contains(choice.id) ? "[x] " : "[ ] ") : ""
            let text = choice.title == choice.id ? choice.id : "\(choice.id)  \(choice.title)"
            screen.fill(line, style: isCurrent ? theme[.selection] : theme[.text])
            screen.put(mark + text, at: line.origin, style: isCurrent ? theme[.selection] : theme[.text], clip: line)
        }
        return cursorPoint
    }
}
