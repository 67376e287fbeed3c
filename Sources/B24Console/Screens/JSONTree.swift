import B24Client
import B24Wire
import TerminalKit

/// A JSON value shown as a tree of lines: objects and arrays fold and unfold, every line knows its path
/// (`result.0.TITLE`). Containers deeper than ``JSONTree/openDepth`` start folded, so a long list opens as one
/// line per item. The visible lines are a ``JSONIndex`` (12 bytes a line); a ``Line`` with its texts is made only
/// for the lines someone looks at, so a 20 MB answer opens as fast as it can be walked once.
struct JSONTree: Equatable, Sendable {
    /// One visible line.
    struct Line: Equatable, Sendable {
        var depth: Int
        /// The member name or array index ("" for the root).
        var key: String
        /// Dotted path from the root, e.g. "result.0.TITLE".
        var path: String
        /// Where the value sits, by member and item numbers.
        var node: JSONNodePath
        /// A scalar's JSON text, or a container's size ("{5 fields}", "[50 items]").
        var summary: String
        var isContainer: Bool
        var isOpen: Bool
        var role: ThemeRole
        /// The value itself (shares storage with the tree's root), for copying.
        var value: JSONValue
    }

    /// The visible lines, made on demand.
    struct Lines: RandomAccessCollection, Sendable {
        let tree: JSONTree
        var startIndex: Int { 0 }
        var endIndex: Int { tree.index.count }
        subscript(position: Int) -> Line { tree.line(position) }
    }

    static let openDepth = 2

    let root: JSONValue
    let rootName: String
    private(set) var marks = FoldMarks()
    private(set) var index: JSONIndex

    init(_ root: JSONValue, rootName: String) {
        self.init(root, rootName: rootName, marks: FoldMarks())
    }

    private init(_ root: JSONValue, rootName: String, marks: FoldMarks) {
        self.root = root
        self.rootName = rootName
        self.marks = marks
        index = JSONIndex(root, openDepth: Self.openDepth, marks: marks)
    }

    /// The same tree over a grown value (more rows fetched): what was folded or unfolded stays so.
    func replacingRoot(_ newRoot: JSONValue) -> JSONTree { JSONTree(newRoot, rootName: rootName, marks: marks) }

    var lines: Lines { Lines(tree: self) }

    private func isOpen(_ path: JSONNodePath, depth: Int) -> Bool { (depth < Self.openDepth) != marks.isFlipped(path) }

    private mutating func reindex() {
        let marks = self.marks
        index = JSONIndex(root, openDepth: Self.openDepth, marks: marks)
    }

    /// The line at `position`, with its texts.
    func line(_ position: Int) -> Line {
        let entry = index[position]
        let node = index.path(ofLine: position)
        var value = root
        var key = rootName
        var path = rootName
        for step in node.steps {
            (key, value) = value.child(Int(step))
            path += "." + key
        }
        let (summary, role) = Self.summary(of: value)
        return Line(depth: Int(entry.depth), key: key, path: path, node: node, summary: summary, isContainer: value.isContainer,
                    isOpen: entry.isOpen, role: role, value: value)
    }

    /// The longest value text a line shows; the copy keys still take the whole value.
    static let summaryLimit = 2_000

    /// How a line shows a value: a scalar's JSON text (cut at ``summaryLimit``), a container's size; and its colour.
    static func summary(of value: JSONValue) -> (String, ThemeRole) {
        switch value {
        case .object(let object): return ("{\(counted(object.count, "field"))}", .muted)
        case .array(let items): return ("[\(counted(items.count, "item"))]", .muted)
        case .string(let text) where text.utf8.count > summaryLimit:
            return (JSONWriter.compact(.string(String(text.prefix(summaryLimit)))) + "… (\(counted(text.utf8.count, "byte")))", .success)
        case .string: return (JSONWriter.compact(value), .success)
        case .int, .double: return (JSONWriter.compact(value), .info)
        case .bool, .null: return (JSONWriter.compact(value), .accent)
        }
    }

    /// Folds an open container or unfolds a folded one; false when the line is not a container.
    @discardableResult
    mutating func toggle(_ position: Int) -> Bool {
        guard position < index.count, index[position].isContainer else { return false }
        let node = index.path(ofLine: position)
        marks.set(!marks.isFlipped(node), at: node.steps[...])
        reindex()
        return true
    }

    /// Unfolds every container around `node`, so its line shows; returns that line (nil when `node` is not in
    /// the tree). Search uses it to land on a hit inside folded containers.
    mutating func reveal(_ node: JSONNodePath) -> Int? {
        guard root.node(at: node) != nil else { return nil }
        var changed = false
        for length in 0 ..< node.steps.count {
            let ancestor = JSONNodePath(Array(node.steps[..<length]))
            if !isOpen(ancestor, depth: length) {
                marks.set(!marks.isFlipped(ancestor), at: ancestor.steps[...])
                changed = true
            }
        }
        if changed { reindex() }
        return index.line(of: node)
    }

    /// The line of the parent container of line `position`, if any.
    func parent(of position: Int) -> Int? {
        guard position < index.count else { return nil }
        return index.parent(of: position)
    }

    /// A line as a list row: indentation, a fold marker ("+" folded, "-" open: ASCII, as the triangles have
    /// disputed widths), the key, and the value or the container's size.
    static func row(_ line: Line) -> ListRow {
        let marker = line.isContainer ? (line.isOpen ? "- " : "+ ") : "  "
        return ListRow([Span(String(repeating: "  ", count: line.depth) + marker, .muted), Span(line.key, .primary),
                        Span(": ", .muted), Span(line.summary, line.isContainer ? .muted : line.role)])
    }
}
