/// A piece of text in one style; a line of styled text is `[TextSpan]`.
public struct TextSpan: Sendable, Equatable {
    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

extension Screen {
    /// Writes spans one after another from `point`, cut at `clip`. Returns the column after the last cell.
    @discardableResult
    public mutating func put(_ spans: [TextSpan], at point: Point, clip: Rect? = nil) -> Int {
        var column = point.column
        for span in spans {
            column = put(span.text, at: Point(column: column, row: point.row), style: span.style, clip: clip)
        }
        return column
    }
}

/// Splits styled text into rows of at most `width` columns (hard wrap, graphemes never split).
public func hardWrap(_ spans: [TextSpan], width: Int) -> [[TextSpan]] {
    guard width > 0 else { return [] }
    var rows: [[TextSpan]] = [[]]
    var used = 0
    for span in spans {
        var current = ""
        for ch in span.text {
            let w = UnicodeWidth.width(of: ch)
            if used + w > width {
                if !current.isEmpty { rows[rows.count - 1].append(TextSpan(current, style: span.style)) }
                rows.append([])
                current = ""
                used = 0
            }
            current.append(ch)
            used += w
        }
        if !current.isEmpty { rows[rows.count - 1].append(TextSpan(current, style: span.style)) }
    }
    return rows
}

/// Drops the first `columns` display columns of styled text (for horizontal scrolling). A wide
/// character cut in half becomes a space.
public func dropColumns(_ spans: [TextSpan], _ columns: Int) -> [TextSpan] {
    guard columns > 0 else { return spans }
    var skip = columns
    var result: [TextSpan] = []
    for span in spans {
        if skip <= 0 { result.append(span); continue }
        var kept = ""
        for ch in span.text {
            if skip > 0 {
                let w = UnicodeWidth.width(of: ch)
                skip -= w
                if skip < 0 { kept.append(" ") }
                continue
            }
            kept.append(ch)
        }
        if !kept.isEmpty { result.append(TextSpan(kept, style: span.style)) }
    }
    return result
}
