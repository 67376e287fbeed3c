/// A piece of a list row in a theme role (the list turns roles into styles when it draws).
public struct Span: Equatable, Sendable {
    public var text: String
    public var role: ThemeRole
    public init(_ text: String, _ role: ThemeRole = .text) {
        self.text = text
        self.role = role
    }
}

/// One row of a ``LazyList``: spans left to right, an optional right-aligned detail, right-hand table columns.
public struct ListRow: Equatable, Sendable {
    public var spans: [Span]
    public var detail: String?
    /// Right-hand table columns (e.g. scope, API), aligned across the list (see ``ListColumns``).
    public var columns: [String]

    public init(_ spans: [Span], detail: String? = nil, columns: [String] = []) {
        self.spans = spans
        self.detail = detail
        self.columns = columns
    }

    /// Plain text of the row's spans.
    public var text: String { spans.map(\.text).joined() }

    /// Display width of the row's spans.
    public var textWidth: Int { spans.reduce(0) { $0 + displayWidth($1.text) } }
}

/// The widths a list's rows need: the widest row text and each column's widest cell. Measuring visits every
/// row once; the owner keeps the result and hands it to the list on every frame, so drawing costs only the
/// visible rows.
public struct ListColumns: Equatable, Sendable {
    public static let gap = 2
    public static let minimumShrunk = 4
    /// The widest row text.
    public var textWidth: Int
    /// Each column's widest cell.
    public var natural: [Int]

    public init(textWidth: Int = 0, natural: [Int] = []) {
        self.textWidth = textWidth
        self.natural = natural
    }

    /// Measures `rows` (all of them, once).
    public init<Rows: Sequence>(measuring rows: Rows) where Rows.Element == ListRow {
        var text = 0
        var natural: [Int] = []
        for row in rows {
            text = max(text, row.textWidth)
            for (i, cell) in row.columns.enumerated() {
                if i >= natural.count { natural.append(0) }
                natural[i] = max(natural[i], displayWidth(cell))
            }
        }
        self.init(textWidth: text, natural: natural)
    }

    /// Column widths for a list `width` columns wide (0 = not shown): the rows' text keeps the width it needs
    /// first, then the last column (e.g. v2/v3) stays whole, and earlier columns (e.g. scope) shrink to no less
    /// than ``minimumShrunk`` or drop. When even that is too narrow, the text is cut rather than the last column;
    /// nothing at all when the last column does not fit either.
    public func widths(for width: Int) -> [Int] {
        var widths = natural
        guard !widths.isEmpty else { return [] }
        func block() -> Int { Self.blockWidth(widths) }
        func room() -> Int { width - textWidth - (block() > 0 ? block() + Self.gap : 0) }
        for i in 0 ..< max(0, widths.count - 1) where room() < 0 && widths[i] > 0 {
            let shrunk = widths[i] + room()
            widths[i] = shrunk >= Self.minimumShrunk ? shrunk : 0
        }
        if width - block() - Self.gap < 1 { widths = widths.map { _ in 0 } }
        return widths
    }

    /// Shown columns and the gaps between them, for `widths`.
    static func blockWidth(_ widths: [Int]) -> Int {
        let shown = widths.filter { $0 > 0 }
        return shown.isEmpty ? 0 : shown.reduce(0, +) + gap * (shown.count - 1)
    }
}

/// A boxed, titled, scrolling list whose rows are produced by index: a frame costs the visible rows, whether
/// the list holds a hundred rows or a hundred thousand. The title shows the cursor position ("Packs 3/12"); the
/// cursor row is highlighted (in the selection role when focused); a row cut by the edge ends in "…".
public struct LazyList {
    public var title: String
    public var count: Int
    public var row: (Int) -> ListRow
    /// Measured once by the owner (see ``ListColumns``); rows without columns need none.
    public var columns: ListColumns
    public var scroll: ScrollState
    public var focused: Bool
    /// What an empty list says.
    public var emptyText = "(nothing here)"

    public init(title: String, count: Int, columns: ListColumns = ListColumns(), scroll: ScrollState, focused: Bool,
                row: @escaping (Int) -> ListRow) {
        self.title = title
        self.count = count
        self.row = row
        self.columns = columns
        self.scroll = scroll
        self.focused = focused
    }

    /// A list over rows already in memory.
    public init(title: String, rows: [ListRow], columns: ListColumns? = nil, scroll: ScrollState, focused: Bool) {
        self.init(title: title, count: rows.count, columns: columns ?? ListColumns(measuring: rows), scroll: scroll,
                  focused: focused) { rows[$0] }
    }

    /// Rows of the list that fit in `rect` (its box takes two rows).
    public static func viewport(_ rect: Rect) -> Int { max(0, rect.height - 2) }

    public func render(into screen: inout Screen, rect: Rect, theme: Theme) {
        guard !rect.isEmpty else { return }
        let counter = count == 0 ? "" : " \(min(scroll.selected + 1, count))/\(count)"
        let inner = screen.box(rect, style: theme[focused ? .primary : .border], title: title + counter,
                               titleStyle: focused ? theme[.title] : theme[.muted])
        guard !inner.isEmpty else { return }
        screen.fill(inner, style: theme[.text])
        if count == 0 {
            screen.put(emptyText, at: inner.origin, style: theme[.muted], clip: inner)
            return
        }
        let offset = scroll.visibleOffset(count: count, viewport: inner.height)
        let widths = columns.widths(for: inner.width - 2)
        for i in 0 ..< min(inner.height, count - offset) {
            let index = offset + i
            let line = Rect(column: inner.column, row: inner.row + i, width: inner.width, height: 1)
            draw(row(index), into: &screen, line: line, selected: index == scroll.selected, widths: widths, theme: theme)
        }
    }

    private func draw(_ row: ListRow, into screen: inout Screen, line: Rect, selected: Bool, widths: [Int], theme: Theme) {
        let selection = focused ? theme[.selection] : theme[.muted].reversed
        if selected { screen.fill(line, style: selection) }
        var textClip = line.inset(left: 1, right: 1)
        let textWidth = row.textWidth
        let block = ListColumns.blockWidth(widths)
        if block > 0 {
            // Columns flush right, each left-aligned at the same column on every row.
            var x = line.maxColumn - 1 - block
            textClip = Rect(column: line.column + 1, row: line.row, width: max(0, x - ListColumns.gap - line.column - 1), height: 1)
            for (i, width) in widths.enumerated() where width > 0 {
                let text = i < row.columns.count ? truncate(row.columns[i], toWidth: width) : ""
                screen.put(text, at: Point(column: x, row: line.row), style: selected ? selection : theme[.muted], clip: line)
                x += width + ListColumns.gap
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
            x = screen.put(span.text, at: Point(column: x, row: line.row), style: selected ? selection : theme[span.role], clip: textClip)
        }
        // An ellipsis marks text cut by the clip.
        if textWidth > textClip.width, textClip.width > 0 {
            screen.put("…", at: Point(column: textClip.maxColumn - 1, row: line.row),
                       style: selected ? selection : theme[.muted], clip: textClip)
        }
    }
}
