/// What changed between two screens: runs of consecutive changed cells per row. A backend repaints
/// exactly these. When the size changed (or there was no previous screen) `isFullRedraw` is set and
/// every row is one run: the backend should clear first.
public struct ScreenDiff: Sendable, Equatable {
    /// A run of cells to draw starting at (`row`, `column`). Never starts on a continuation cell.
    public struct Run: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var cells: [Cell]

        public init(row: Int, column: Int, cells: [Cell]) {
            self.row = row
            self.column = column
            self.cells = cells
        }

        /// The run's text (continuation cells skipped).
        public var text: String { String(cells.filter { !$0.isContinuation }.map(\.character)) }
    }

    public var size: Size
    public var isFullRedraw: Bool
    public var runs: [Run]

    public init(size: Size, isFullRedraw: Bool, runs: [Run]) {
        self.size = size
        self.isFullRedraw = isFullRedraw
        self.runs = runs
    }

    public var isEmpty: Bool { runs.isEmpty && !isFullRedraw }
    /// Number of cells in all runs.
    public var cellCount: Int { runs.reduce(0) { $0 + $1.cells.count } }

    /// Everything in `screen`, one run per row.
    public static func full(_ screen: Screen) -> ScreenDiff {
        let runs = (0 ..< screen.height).map { Run(row: $0, column: 0, cells: Array(screen.row($0))) }
        return ScreenDiff(size: screen.size, isFullRedraw: true, runs: runs)
    }

    /// The changes that turn `old` into `new`; a full redraw when `old` is nil or differently sized.
    public static func between(_ old: Screen?, _ new: Screen) -> ScreenDiff {
        guard let old, old.size == new.size else { return full(new) }
        var runs: [Run] = []
        let w = new.width
        old.cells.withUnsafeBufferPointer { a in
            new.cells.withUnsafeBufferPointer { b in
                for row in 0 ..< new.height {
                    let base = row * w
                    var column = 0
                    while column < w {
                        if a[base + column] == b[base + column] { column += 1; continue }
                        var start = column
                        // A wide character's halves are drawn together.
                        if b[base + start].isContinuation && start > 0 { start -= 1 }
                        var end = column + 1
                        while end < w && (a[base + end] != b[base + end] || b[base + end].isContinuation) { end += 1 }
                        runs.append(Run(row: row, column: start, cells: Array(b[base + start ..< base + end])))
                        column = end
                    }
                }
            }
        }
        return ScreenDiff(size: new.size, isFullRedraw: false, runs: runs)
    }
}
