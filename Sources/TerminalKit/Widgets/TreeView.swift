/// One visible row of a tree, already flattened by the caller (depth-first, collapsed children left out).
public struct TreeRow: Sendable, Equatable {
    public var depth: Int
    public var text: String
    public var hasChildren: Bool
    public var isExpanded: Bool
    public var role: ThemeRole?

    public init(depth: Int, text: String, hasChildren: Bool = false, isExpanded: Bool = false, role: ThemeRole? = nil) {
        self.depth = depth
        self.text = text
        self.hasChildren = hasChildren
        self.isExpanded = isExpanded
        self.role = role
    }
}

/// A tree drawn as an indented list: two spaces per level, "+ " collapsed, "- " expanded
/// (ASCII markers: the triangle glyphs have ambiguous width).
public struct TreeView {
    public var rows: [TreeRow]

    public init(rows: [TreeRow]) { self.rows = rows }

    public func render(into screen: inout Screen, rect: Rect, state: ScrollState, theme: Theme, focused: Bool = true) {
        ListView(count: rows.count) { i in
            let row = rows[i]
            let marker = row.hasChildren ? (row.isExpanded ? "- " : "+ ") : "  "
            return ListItem(String(repeating: "  ", count: max(0, row.depth)) + marker + row.text, role: row.role)
        }.render(into: &screen, rect: rect, state: state, theme: theme, focused: focused)
    }
}
