/// One row of a list: text, an optional right-aligned detail, and an optional style role.
public struct ListItem: Sendable, Equatable, ExpressibleByStringLiteral {
    public var text: String
    public var detail: String?
    public var role: ThemeRole?

    public init(_ text: String, detail: String? = nil, role: ThemeRole? = nil) {
        self.text = text
        self.detail = detail
        self.role = role
    }

    public init(stringLiteral value: String) { self.init(value) }
}

/// A scrolling list with a highlighted cursor row. Items are produced lazily by index, so long lists
/// cost only the visible rows.
public struct ListView {
    public var count: Int
    public var item: (Int) -> ListItem

    public init(count: Int, item: @escaping (Int) -> ListItem) {
        self.count = count
        self.item = item
    }

    public init(items: [ListItem]) { self.init(count: items.count) { items[$0] } }
    public init(strings: [String]) { self.init(count: strings.count) { ListItem(strings[$0]) } }

    /// Draws the visible rows into `rect`. The cursor row uses `theme[.selection]` across the full
    /// width when `focused` (`theme[.muted]` reversed otherwise).
    public func render(into screen: inout Screen, rect: Rect, state: ScrollState, theme: Theme, focused: Bool = true) {
        guard !rect.isEmpty else { return }
        screen.fill(rect, style: theme[.text])
        let offset = state.visibleOffset(count: count, viewport: rect.height)
        let selectionStyle = focused ? theme[.selection] : theme[.muted].reversed
        for i in 0 ..< min(rect.height, count - offset) {
            let index = offset + i
            let entry = item(index)
            let row = Rect(column: rect.column, row: rect.row + i, width: rect.width, height: 1)
            let isSelected = index == state.selected
            let base = isSelected ? selectionStyle : theme[entry.role ?? .text]
            screen.fill(row, style: base)
            var textWidth = rect.width - 1
            if let detail = entry.detail, !detail.isEmpty {
                let d = truncate(detail, toWidth: max(0, rect.width / 2))
                let dw = displayWidth(d)
                screen.put(d, at: Point(column: row.maxColumn - dw - 1, row: row.row),
                           style: isSelected ? base : theme[.muted], clip: row)
                textWidth = rect.width - dw - 3
            }
            screen.put(truncate(entry.text, toWidth: max(0, textWidth)), at: Point(column: row.column + 1, row: row.row),
                       style: base, clip: row)
        }
    }
}
