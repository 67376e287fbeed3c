/// A table column: title, how wide, and how its cells align.
public struct TableColumn: Sendable, Equatable {
    public enum Width: Sendable, Equatable {
        /// Exactly this many columns.
        case fixed(Int)
        /// A share of the remaining width (by `weight`), at least `min` columns.
        case flex(min: Int, weight: Int)
    }

    public var title: String
    public var width: Width
    public var alignment: Alignment

    public init(_ title: String, width: Width = .flex(min: 4, weight: 1), alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// A table with a header, `│` column separators, one space of padding inside each cell, a rule under the header and a highlighted cursor
/// row. Cells are produced lazily by (row, column). Cells are padded/truncated by display width, so
/// separators line up with Cyrillic and CJK content.
public struct TableView {
    public var columns: [TableColumn]
    public var rowCount: Int
    public var cell: (Int, Int) -> String
    /// Optional per-row style role (e.g. `.error` for failed calls); the cursor row still wins.
    public var rowRole: ((Int) -> ThemeRole?)?
    public var showHeader = true

    public init(columns: [TableColumn], rowCount: Int, cell: @escaping (Int, Int) -> String) {
        self.columns = columns
        self.rowCount = rowCount
        self.cell = cell
    }

    public init(columns: [TableColumn], rows: [[String]]) {
        self.init(columns: columns, rowCount: rows.count) { r, c in c < rows[r].count ? rows[r][c] : "" }
    }

    /// Rows used by the header and its rule.
    public var headerHeight: Int { showHeader ? 2 : 0 }

    /// Column widths for a total width (separators take one column between columns). Flex columns
    /// share what fixed ones leave; when the table is too narrow the rightmost columns shrink to 0.
    public static func layout(_ columns: [TableColumn], width total: Int) -> [Int] {
        guard !columns.isEmpty else { return [] }
        let available = max(0, total - (columns.count - 1))
        var widths = columns.map { col -> Int in
            switch col.width {
            case .fixed(let n): return max(0, n)
            case .flex(let minimum, _): return max(0, minimum)
            }
        }
        let spare = available - widths.reduce(0, +)
        if spare > 0 {
            let weights = columns.map { col -> Int in
                if case .flex(_, let w) = col.width { return max(0, w) }
                return 0
            }
            let totalWeight = weights.reduce(0, +)
            if totalWeight > 0 {
                var given = 0
                for i in widths.indices where weights[i] > 0 {
                    let share = spare * weights[i] / totalWeight
                    widths[i] += share
                    given += share
                }
                // Rounding leftovers go to the last flex column.
                if let last = weights.lastIndex(where: { $0 > 0 }) { widths[last] += spare - given }
            }
        } else if spare < 0 {
            var excess = -spare
            for i in widths.indices.reversed() where excess > 0 {
                let cut = min(widths[i], excess)
                widths[i] -= cut
                excess -= cut
            }
        }
        return widths
    }

    /// Draws header, rule and the visible rows into `rect`. Viewport for `state` is
    /// `rect.height - headerHeight` rows.
    public func render(into screen: inout Screen, rect: Rect, state: ScrollState, theme: Theme, focused: Bool = true) {
        guard !rect.isEmpty else { return }
        screen.fill(rect, style: theme[.text])
        let widths = TableView.layout(columns, width: rect.width)
        let border = theme[.border]
        let chars = BorderStyle.single.characters
        var y = rect.row
        if showHeader {
            drawRow(into: &screen, rect: rect, y: y, widths: widths, style: theme[.header], separator: border) { columns[$0].title }
            y += 1
            if y < rect.maxRow {
                var x = rect.column
                for (i, w) in widths.enumerated() {
                    screen.horizontalLine(at: Point(column: x, row: y), length: min(w, rect.maxColumn - x), style: border)
                    x += w
                    if i < widths.count - 1, x < rect.maxColumn {
                        screen.put(String(chars.cross), at: Point(column: x, row: y), style: border, clip: rect)
                        x += 1
                    }
                }
                y += 1
            }
        }
        let viewport = rect.maxRow - y
        guard viewport > 0 else { return }
        let offset = state.visibleOffset(count: rowCount, viewport: viewport)
        let selection = focused ? theme[.selection] : theme[.muted].reversed
        for i in 0 ..< min(viewport, rowCount - offset) {
            let r = offset + i
            let selected = r == state.selected
            let style = selected ? selection : theme[rowRole?(r) ?? .text]
            drawRow(into: &screen, rect: rect, y: y + i, widths: widths, style: style,
                    separator: selected ? selection : border) { cell(r, $0) }
        }
    }

    private func drawRow(into screen: inout Screen, rect: Rect, y: Int, widths: [Int], style: Style,
                         separator: Style, text: (Int) -> String) {
        let line = Rect(column: rect.column, row: y, width: rect.width, height: 1)
        screen.fill(line, style: style)
        var x = rect.column
        for (i, w) in widths.enumerated() {
            if w > 1 {  // one space of padding on each side of the content
                let content = w > 2 ? pad(text(i), toWidth: w - 2, alignment: columns[i].alignment) : ""
                screen.put(" " + content + " ", at: Point(column: x, row: y), style: style, clip: line)
            }
            x += w
            if i < widths.count - 1 {
                screen.put(String(BorderStyle.single.characters.vertical), at: Point(column: x, row: y), style: separator, clip: line)
                x += 1
            }
        }
    }
}
