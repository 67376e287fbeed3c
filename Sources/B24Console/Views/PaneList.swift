import TerminalKit

/// Draws a pane: a box titled with the pane name and its rows inside, cursor row highlighted.
struct PaneList {
    var title: String
    var rows: [PaneRow]
    var scroll: ScrollState
    var focused: Bool

    func render(into screen: inout Screen, rect: Rect, theme: Theme) {
        guard !rect.isEmpty else { return }
        let borderRole: ThemeRole = focused ? .primary : .border
        let counter = rows.isEmpty ? "" : " \(min(scroll.selected + 1, rows.count))/\(rows.count)"
        let inner = screen.box(rect, style: theme[borderRole], title: title + counter,
                               titleStyle: focused ? theme[.title] : theme[.muted])
        guard !inner.isEmpty else { return }
        screen.fill(inner, style: theme[.text])
        if rows.isEmpty {
            screen.put("(nothing here)", at: inner.origin, style: theme[.muted], clip: inner)
            return
        }
        let offset = scroll.visibleOffset(count: rows.count, viewport: inner.height)
        let columns = ColumnLayout(rows: rows, width: inner.width - 2)
        for i in 0 ..< min(inner.height, rows.count - offset) {
            let index = offset + i
            let line = Rect(column: inner.column, row: inner.row + i, width: inner.width, height: 1)
            drawRow(rows[index], into: &screen, line: line, selected: index == scroll.selected, columns: columns, theme: theme)
        }
    }

    private func drawRow(_ row: PaneRow, into screen: inout Screen, line: Rect, selected: Bool, columns: ColumnLayout,
                         theme: Theme) {
        let selection = focused ? theme[.selection] : theme[.muted].reversed
        if selected { screen.fill(line, style: selection) }
        var textClip = line.inset(left: 1, right: 1)
        let textWidth = row.spans.reduce(0) { $0 + displayWidth($1.text) }
        if columns.blockWidth > 0 {
            // Columns flush right, each left-aligned at the same column on every row.
            var x = line.maxColumn - 1 - columns.blockWidth
            textClip = Rect(column: line.column + 1, row: line.row, width: max(0, x - ColumnLayout.gap - line.column - 1), height: 1)
            for (i, width) in columns.widths.enumerated() where width > 0 {
                let text = i < row.columns.count ? truncate(row.columns[i], toWidth: width) : ""
                screen.put(text, at: Point(column: x, row: line.row), style: selected ? selection : theme[.muted], clip: line)
                x += width + ColumnLayout.gap
            }
        }
        if let detail = row.detail, !detail.isEmpty {
            // The row's own text wins: the detail gets what is left (at most a third), or nothing.
            let room = min(line.width / 3, line.width - min(textWidth, line.width * 2 / 3) - 4)
            if room >= 10 {
                let shown = truncate(detail, toWidth: room)
                let column = line.maxColumn - displayWidth(shown) - 1
                screen.put(shown, at: Point(column: column, row: line.row), style: selected ? selection : theme[.muted], clip: line)
                textClip = Rect(column: line.column + 1, row: line.row, width: max(0, column - line.column - 3), height: 1)
            }
        }
        var x = textClip.column
        for span in row.spans {
            let style = selected ? selection : theme[span.role]
            x = screen.put(span.text, at: Point(column: x, row: line.row), style: style, clip: textClip)
        }
        // An ellipsis marks text cut by the clip.
        if textWidth > textClip.width, textClip.width > 0 {
            screen.put("…", at: Point(column: textClip.maxColumn - 1, row: line.row),
                       style: selected ? selection : theme[.muted], clip: textClip)
        }
    }
}

/// Widths of a pane's right-hand columns: the rows' text keeps the width it needs, then the last column
/// (e.g. v2/v3) stays whole, and earlier columns (e.g. scope) shrink to no less than 4 or drop.
struct ColumnLayout {
    static let gap = 2
    static let minimumShrunk = 4
    /// One width per column; 0 = not shown.
    var widths: [Int] = []

    /// Columns and the gaps between them (0 when no column is shown).
    var blockWidth: Int {
        let shown = widths.filter { $0 > 0 }
        return shown.isEmpty ? 0 : shown.reduce(0, +) + Self.gap * (shown.count - 1)
    }

    init(rows: [PaneRow], width: Int) {
        let count = rows.map(\.columns.count).max() ?? 0
        guard count > 0 else { return }
        widths = (0 ..< count).map { i in rows.map { i < $0.columns.count ? displayWidth($0.columns[i]) : 0 }.max() ?? 0 }
        let text = rows.map { $0.spans.reduce(0) { $0 + displayWidth($1.text) } }.max() ?? 0
        func room() -> Int { width - text - (blockWidth > 0 ? blockWidth + Self.gap : 0) }
        for i in 0 ..< max(0, count - 1) where room() < 0 && widths[i] > 0 {
            let shrunk = widths[i] + room()
            widths[i] = shrunk >= Self.minimumShrunk ? shrunk : 0
        }
        // Still too narrow: the text is cut (with "…") rather than the last column; nothing at all if even
        // the last column does not fit.
        if width - blockWidth - Self.gap < 1 { widths = widths.map { _ in 0 } }
    }
}

/// Lines of label + value, the label column padded (Cyrillic/CJK values keep alignment by width).
struct Facts {
    var rows: [(label: String, value: [Span])]
    var labelWidth: Int

    /// Draws the facts from the top of `rect`, wrapping long values under the value column.
    /// Returns the first unused row.
    @discardableResult
    func render(into screen: inout Screen, rect: Rect, theme: Theme) -> Int {
        var y = rect.row
        let valueColumn = rect.column + labelWidth + 1
        let valueWidth = max(1, rect.maxColumn - valueColumn)
        for (label, value) in rows {
            guard y < rect.maxRow else { break }
            screen.put(pad(label, toWidth: labelWidth), at: Point(column: rect.column, row: y), style: theme[.muted], clip: rect)
            // One plain value wraps at spaces; mixed spans wrap by width.
            let wrapped = value.count == 1
                ? wrapValue(value[0].text, width: valueWidth).map { [TextSpan($0, style: theme[value[0].role])] }
                : hardWrap(value.map { TextSpan($0.text, style: theme[$0.role]) }, width: valueWidth)
            for line in wrapped.isEmpty ? [[]] : wrapped {
                guard y < rect.maxRow else { break }
                screen.put(line, at: Point(column: valueColumn, row: y), clip: rect)
                y += 1
            }
        }
        return y
    }
}

/// Wraps a fact value: URLs break after a "/" (so a doc link stays readable), other text at spaces.
func wrapValue(_ text: String, width: Int) -> [String] {
    guard text.contains("://"), !text.contains(" "), displayWidth(text) > width, width > 0 else { return wrap(text, width: width) }
    var lines: [String] = []
    var line = ""
    var piece = ""
    for ch in text {
        piece.append(ch)
        if ch == "/" {
            if displayWidth(line + piece) > width, !line.isEmpty { lines.append(line); line = "" }
            line += piece
            piece = ""
        }
    }
    if displayWidth(line + piece) > width, !line.isEmpty { lines.append(line); line = "" }
    line += piece
    lines.append(line)
    return lines.flatMap { wrap($0, width: width) }  // a single piece longer than the line still fits
}
