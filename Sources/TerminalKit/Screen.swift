/// A fixed-size grid of cells that views render into. Pure data: backends show it, tests read it.
///
/// Writing never wraps and never leaves the grid: text is cut at the clip rect by display width,
/// a wide character that does not fit at the right edge becomes a space, and overwriting half of a
/// wide character blanks its other half.
public struct Screen: Hashable, Sendable {
    public let size: Size
    /// Row-major cells, `size.width * size.height` of them.
    public private(set) var cells: [Cell]

    public init(size: Size, fill: Cell = Cell()) {
        self.size = size
        self.cells = Array(repeating: fill, count: size.width * size.height)
    }

    public init(width: Int, height: Int) { self.init(size: Size(width: width, height: height)) }

    public var width: Int { size.width }
    public var height: Int { size.height }
    /// The whole screen as a rect.
    public var bounds: Rect { Rect(size: size) }

    /// The cell at a position (nil outside the grid).
    public subscript(column: Int, row: Int) -> Cell? {
        guard column >= 0, row >= 0, column < size.width, row < size.height else { return nil }
        return cells[row * size.width + column]
    }

    /// The cell at a point (nil outside the grid).
    public func cell(at point: Point) -> Cell? { self[point.column, point.row] }

    /// The style at a point (nil outside the grid). Handy in tests.
    public func style(at point: Point) -> Style? { cell(at: point)?.style }

    /// One row of cells.
    public func row(_ row: Int) -> ArraySlice<Cell> {
        guard row >= 0, row < size.height else { return [] }
        return cells[row * size.width ..< (row + 1) * size.width]
    }

    // MARK: Writing

    mutating func setRaw(_ cell: Cell, index: Int) { cells[index] = cell }

    /// Stores a single-width cell, repairing any wide character it overlaps.
    @inline(__always)
    private mutating func store(_ cell: Cell, column: Int, row: Int) {
        let i = row * size.width + column
        if cells[i].isContinuation, column > 0 {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        } else if column + 1 < size.width, cells[i + 1].isContinuation {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// Writes `text` at `point`, cutting at the edge of `clip` (default: the whole screen) by display
    /// width. Zero-width characters are dropped, tabs become a space, other controls are dropped.
    /// Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, at point: Point, style: Style = .plain, clip: Rect? = nil) -> Int {
        let area = (clip ?? bounds).intersection(bounds)
        guard point.row >= area.row, point.row < area.maxRow else { return point.column }
        var column = point.column
        let limit = area.maxColumn
        for var ch in text {
            if column >= limit { break }
            if ch == "\t" { ch = " " }
            let w = UnicodeWidth.width(of: ch)
            if w == 0 { continue }
            if column < area.column {  // text starting left of the clip: skip hidden cells
                if w == 2 && column + 1 == area.column { store(Cell(" ", style: style), column: column + 1, row: point.row) }
                column += w
                continue
            }
            if w == 2 {
                if column + 1 >= limit {  // no room for the right half
                    store(Cell(" ", style: style), column: column, row: point.row)
                    column += 1
                    break
                }
                store(Cell(ch, style: style), column: column, row: point.row)
                store(Cell.continuation(style), column: column + 1, row: point.row)
                column += 2
            } else {
                store(Cell(ch, style: style), column: column, row: point.row)
                column += 1
            }
        }
        return column
    }

    /// Writes `text` padded/truncated to the rect's width on its first row, aligned as asked.
    public mutating func put(_ text: String, in rect: Rect, style: Style = .plain, alignment: Alignment = .left) {
        guard !rect.isEmpty else { return }
        put(pad(text, toWidth: rect.width, alignment: alignment), at: rect.origin, style: style, clip: rect)
    }

    /// Fills a rect with a character (spaces by default) in `style`.
    public mutating func fill(_ rect: Rect, with character: Character = " ", style: Style = .plain) {
        let area = rect.intersection(bounds)
        guard !area.isEmpty else { return }
        if UnicodeWidth.width(of: character) != 1 {
            fill(rect, with: " ", style: style)
            return
        }
        let cell = Cell(character, style: style)
        for row in area.row ..< area.maxRow {
            for column in area.column ..< area.maxColumn { store(cell, column: column, row: row) }
        }
    }

    /// Changes the style of every cell in `rect`, keeping the characters (e.g. to highlight a row).
    public mutating func restyle(_ rect: Rect, _ transform: (Style) -> Style) {
        let area = rect.intersection(bounds)
        guard !area.isEmpty else { return }
        for row in area.row ..< area.maxRow {
            for column in area.column ..< area.maxColumn {
                let i = row * size.width + column
                cells[i].style = transform(cells[i].style)
            }
        }
    }

    /// Draws a border around `rect` with an optional title in the top edge. Returns the inner rect.
    @discardableResult
    public mutating func box(_ rect: Rect, border: BorderStyle = .single, style: Style = .plain,
                             title: String? = nil, titleStyle: Style? = nil) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else {
            fill(rect, style: style)
            return Rect(origin: rect.origin, size: .zero)
        }
        let b = border.characters
        let right = rect.maxColumn - 1, bottom = rect.maxRow - 1
        for column in rect.column + 1 ..< right {
            put(String(b.horizontal), at: Point(column: column, row: rect.row), style: style)
            put(String(b.horizontal), at: Point(column: column, row: bottom), style: style)
        }
        for row in rect.row + 1 ..< bottom {
            put(String(b.vertical), at: Point(column: rect.column, row: row), style: style)
            put(String(b.vertical), at: Point(column: right, row: row), style: style)
        }
        put(String(b.topLeft), at: rect.origin, style: style)
        put(String(b.topRight), at: Point(column: right, row: rect.row), style: style)
        put(String(b.bottomLeft), at: Point(column: rect.column, row: bottom), style: style)
        put(String(b.bottomRight), at: Point(column: right, row: bottom), style: style)
        if let title, !title.isEmpty, rect.width > 4 {
            let text = " " + truncate(title, toWidth: rect.width - 4) + " "
            put(text, at: Point(column: rect.column + 1, row: rect.row), style: titleStyle ?? style,
                clip: Rect(column: rect.column + 1, row: rect.row, width: rect.width - 2, height: 1))
        }
        return rect.inset(by: 1)
    }

    /// Draws a horizontal line of `length` cells.
    public mutating func horizontalLine(at point: Point, length: Int, border: BorderStyle = .single, style: Style = .plain) {
        guard length > 0 else { return }
        put(String(repeating: String(border.characters.horizontal), count: length), at: point, style: style)
    }

    /// Draws a vertical line of `length` cells.
    public mutating func verticalLine(at point: Point, length: Int, border: BorderStyle = .single, style: Style = .plain) {
        for r in 0 ..< max(0, length) {
            put(String(border.characters.vertical), at: Point(column: point.column, row: point.row + r), style: style)
        }
    }

    /// Copies another screen (e.g. a sub-view rendered separately) into this one at `point`.
    public mutating func blit(_ other: Screen, at point: Point) {
        for row in 0 ..< other.height {
            let r = point.row + row
            guard r >= 0, r < height else { continue }
            for column in 0 ..< other.width {
                let c = point.column + column
                guard c >= 0, c < width else { continue }
                cells[r * width + c] = other.cells[row * other.width + column]
            }
        }
    }

    // MARK: Reading (tests)

    /// The text of one row, continuation cells skipped, trailing spaces trimmed.
    public func text(row: Int) -> String {
        var s = ""
        for cell in self.row(row) where !cell.isContinuation { s.append(cell.character) }
        while s.last == " " { s.removeLast() }
        return s
    }

    /// All rows as text (trailing spaces trimmed).
    public var lines: [String] { (0 ..< size.height).map { text(row: $0) } }

    /// All rows joined with newlines.
    public var text: String { lines.joined(separator: "\n") }

    /// The first position where `needle` appears in a row's text (column counted in cells), or nil.
    public func find(_ needle: String) -> Point? {
        for r in 0 ..< size.height {
            let line = text(row: r)
            if let range = line.range(of: needle) {
                return Point(column: displayWidth(line[line.startIndex ..< range.lowerBound]), row: r)
            }
        }
        return nil
    }
}

/// Border character sets. Only ASCII and single-line box drawing: both are one column everywhere.
public enum BorderStyle: Sendable, Hashable {
    case single, ascii, rounded

    public struct Characters: Sendable {
        public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Character
        public let teeDown, teeUp, teeRight, teeLeft, cross: Character
    }

    public var characters: Characters {
        switch self {
        case .single:
            return Characters(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
                              bottomRight: "┘", teeDown: "┬", teeUp: "┴", teeRight: "├", teeLeft: "┤", cross: "┼")
        case .rounded:
            return Characters(horizontal: "─", vertical: "│", topLeft: "╭", topRight: "╮", bottomLeft: "╰",
                              bottomRight: "╯", teeDown: "┬", teeUp: "┴", teeRight: "├", teeLeft: "┤", cross: "┼")
        case .ascii:
            return Characters(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
                              bottomRight: "+", teeDown: "+", teeUp: "+", teeRight: "+", teeLeft: "+", cross: "+")
        }
    }
}
