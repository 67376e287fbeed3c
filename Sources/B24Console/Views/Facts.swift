import Foundation
import TerminalKit

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

/// A loadable value as spans: "—" before it was asked for, "loading…", the error in red.
func loadable<T>(_ value: Loadable<T>, _ show: (T) -> [Span]) -> [Span] {
    switch value {
    case .idle: return [Span("—", .muted)]
    case .loading: return [Span("loading…", .muted)]
    case .loaded(let v): return show(v)
    case .failed(let message): return [Span(message, .error)]
    }
}

/// A date formatter for times shown in UTC (as `b24 history` prints them), e.g. "HH:mm:ss".
func utcFormatter(_ format: String) -> DateFormatter {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = format
    return formatter
}
