/// A position on the screen: `column` counts cells from the left, `row` from the top; both start at 0.
public struct Point: Hashable, Sendable, CustomStringConvertible {
    public var column: Int
    public var row: Int

    public init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }

    public static let zero = Point(column: 0, row: 0)
    public var description: String { "(\(column),\(row))" }
}

/// A size in cells. Negative values are clamped to 0.
public struct Size: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Size(width: 0, height: 0)
    public var description: String { "\(width)×\(height)" }
    /// True when this size is at least `other` in both directions.
    public func fits(_ other: Size) -> Bool { width >= other.width && height >= other.height }
}

/// A rectangle of cells. `origin` is the top-left cell; an empty rect has width or height 0.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var origin: Point
    public var size: Size

    public init(origin: Point, size: Size) {
        self.origin = origin
        self.size = size
    }

    public init(column: Int, row: Int, width: Int, height: Int) {
        self.init(origin: Point(column: column, row: row), size: Size(width: width, height: height))
    }

    public init(size: Size) { self.init(origin: .zero, size: size) }

    public var column: Int { origin.column }
    public var row: Int { origin.row }
    public var width: Int { size.width }
    public var height: Int { size.height }
    /// One past the last column.
    public var maxColumn: Int { origin.column + size.width }
    /// One past the last row.
    public var maxRow: Int { origin.row + size.height }
    public var isEmpty: Bool { size.width == 0 || size.height == 0 }
    public var description: String { "\(origin)+\(size)" }

    public func contains(_ point: Point) -> Bool {
        point.column >= column && point.column < maxColumn && point.row >= row && point.row < maxRow
    }

    /// The overlap of two rects (empty, at the larger origin, when they do not overlap).
    public func intersection(_ other: Rect) -> Rect {
        let c0 = max(column, other.column), r0 = max(row, other.row)
        let c1 = min(maxColumn, other.maxColumn), r1 = min(maxRow, other.maxRow)
        return Rect(column: c0, row: r0, width: c1 - c0, height: r1 - r0)
    }

    /// Shrinks the rect by the given margins (never below zero size).
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        Rect(column: column + left, row: row + top, width: width - left - right, height: height - top - bottom)
    }

    /// Shrinks the rect by `amount` on every side.
    public func inset(by amount: Int) -> Rect { inset(top: amount, left: amount, bottom: amount, right: amount) }

    /// Splits off the top `count` rows: (top part, the rest).
    public func splitTop(_ count: Int) -> (Rect, Rect) {
        let n = min(max(0, count), height)
        return (Rect(column: column, row: row, width: width, height: n),
                Rect(column: column, row: row + n, width: width, height: height - n))
    }

    /// Splits off the bottom `count` rows: (the rest, bottom part).
    public func splitBottom(_ count: Int) -> (Rect, Rect) {
        let n = min(max(0, count), height)
        return (Rect(column: column, row: row, width: width, height: height - n),
                Rect(column: column, row: maxRow - n, width: width, height: n))
    }

    /// Splits off the left `count` columns: (left part, the rest).
    public func splitLeft(_ count: Int) -> (Rect, Rect) {
        let n = min(max(0, count), width)
        return (Rect(column: column, row: row, width: n, height: height),
                Rect(column: column + n, row: row, width: width - n, height: height))
    }

    /// A rect of the given size centred in this one (clamped to fit).
    public func centered(_ inner: Size) -> Rect {
        let w = min(inner.width, width), h = min(inner.height, height)
        return Rect(column: column + (width - w) / 2, row: row + (height - h) / 2, width: w, height: h)
    }
}
