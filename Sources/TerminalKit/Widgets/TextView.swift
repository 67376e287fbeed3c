/// Scroll position of a text view: first logical line and (when not wrapping) first column.
public struct TextScroll: Equatable, Sendable, Hashable {
    public var line: Int
    public var column: Int

    public init(line: Int = 0, column: Int = 0) {
        self.line = line
        self.column = column
    }

    /// Scrolls by lines, clamped so at least the last line stays reachable.
    public mutating func scroll(by delta: Int, lineCount: Int) {
        line = min(max(0, line + delta), max(0, lineCount - 1))
    }
}

/// Read-only text (a response body, a log) with lazily produced lines. `wrap` breaks long lines
/// into several rows; otherwise lines are cut at the right edge and `TextScroll.column` pans.
public struct TextView {
    public var lineCount: Int
    public var line: (Int) -> [TextSpan]
    public var wrap: Bool

    public init(lineCount: Int, wrap: Bool = false, line: @escaping (Int) -> [TextSpan]) {
        self.lineCount = lineCount
        self.wrap = wrap
        self.line = line
    }

    /// Plain lines in one style.
    public init(lines: [String], style: Style = .plain, wrap: Bool = false) {
        self.init(lineCount: lines.count, wrap: wrap) { [TextSpan(lines[$0], style: style)] }
    }

    /// Text split at newlines.
    public init(text: String, style: Style = .plain, wrap: Bool = false) {
        self.init(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), style: style, wrap: wrap)
    }

    /// Draws from `scroll` into `rect` (background in `theme[.text]`). Returns the number of logical
    /// lines fully or partly shown, so callers can tell whether the end is visible.
    @discardableResult
    public func render(into screen: inout Screen, rect: Rect, scroll: TextScroll, theme: Theme) -> Int {
        guard !rect.isEmpty else { return 0 }
        screen.fill(rect, style: theme[.text])
        var y = rect.row
        var index = max(0, scroll.line)
        var shown = 0
        while y < rect.maxRow && index < lineCount {
            let spans = line(index)
            if wrap {
                let rows = hardWrap(spans, width: rect.width)
                for row in rows.isEmpty ? [[]] : rows {
                    guard y < rect.maxRow else { break }
                    screen.put(row, at: Point(column: rect.column, row: y), clip: rect)
                    y += 1
                }
            } else {
                screen.put(dropColumns(spans, scroll.column), at: Point(column: rect.column, row: y), clip: rect)
                y += 1
            }
            index += 1
            shown += 1
        }
        return shown
    }
}
