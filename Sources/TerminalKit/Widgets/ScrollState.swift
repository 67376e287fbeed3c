/// Cursor and scroll position of a list-like view, kept in the app state and passed to views.
/// `selected` is the cursor row (0 when empty); `offset` the first visible row.
public struct ScrollState: Equatable, Sendable, Hashable {
    public var selected: Int
    public var offset: Int

    public init(selected: Int = 0, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// Moves the cursor by `delta`, clamped to `0..<count`.
    public mutating func move(by delta: Int, count: Int) { select(selected + delta, count: count) }

    /// Puts the cursor on `index`, clamped to `0..<count`.
    public mutating func select(_ index: Int, count: Int) {
        selected = count == 0 ? 0 : min(max(0, index), count - 1)
    }

    /// Moves a page (viewport rows) up (`pages < 0`) or down, keeping the cursor on screen.
    public mutating func page(_ pages: Int, count: Int, viewport: Int) {
        let step = max(1, viewport - 1) * pages
        move(by: step, count: count)
        offset = max(0, offset + step)
        ensureVisible(count: count, viewport: viewport)
    }

    /// Adjusts `offset` so the cursor is visible in a viewport of `viewport` rows.
    public mutating func ensureVisible(count: Int, viewport: Int) {
        offset = visibleOffset(count: count, viewport: viewport)
    }

    /// The offset a view should draw from: `offset` moved just enough to show the cursor, never past
    /// the end (no empty rows below the last item when the list is longer than the viewport).
    public func visibleOffset(count: Int, viewport: Int) -> Int {
        guard viewport > 0, count > viewport else { return 0 }
        var o = min(max(0, offset), count - viewport)
        let cursor = min(max(0, selected), count - 1)
        if cursor < o { o = cursor }
        if cursor >= o + viewport { o = cursor - viewport + 1 }
        return o
    }
}
