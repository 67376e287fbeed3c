import B24Client
import B24Wire
import TerminalKit

/// A JSON value shown as a tree of lines: objects and arrays fold and unfold, every line knows its path
/// (`result.0.TITLE`). Containers deeper than ``JSONTree/openDepth`` start folded, so a long list opens as one
/// line per item.
struct JSONTree: Equatable, Sendable {
    /// One visible line.
    struct Line: Equatable, Sendable {
        var depth: Int
        /// The member name or array index ("" for the root).
        var key: String
        /// Dotted path from the root, e.g. "result.0.TITLE".
        var path: String
        /// A scalar's JSON text, or a container's size ("{5 fields}", "[50 items]").
        var summary: String
        var isContainer: Bool
        var isOpen: Bool
        var role: ThemeRole
        /// The value itself (shares storage with the tree's root), for copying.
        var value: JSONValue
    }

    static let openDepth = 2

    let root: JSONValue
    let rootName: String
    /// Paths whose folding differs from the default.
    private(set) var toggled: Set<String> = []
    private(set) var lines: [Line] = []

    init(_ root: JSONValue, rootName: String) {
        self.root = root
        self.rootName = rootName
        lines = flatten()
    }

    /// Folds an open container or unfolds a folded one; false when the line is not a container.
    @discardableResult
    mutating func toggle(_ index: Int) -> Bool {
        guard index < lines.count, lines[index].isContainer else { return false }
        let path = lines[index].path
        if toggled.contains(path) { toggled.remove(path) } else { toggled.insert(path) }
        lines = flatten()
        return true
    }

    /// The line of the parent container of line `index`, if any.
    func parent(of index: Int) -> Int? {
        guard index < lines.count, lines[index].depth > 0 else { return nil }
        let depth = lines[index].depth
        return lines[..<index].lastIndex { $0.depth < depth }
    }

    private func isOpen(_ path: String, depth: Int) -> Bool { (depth < Self.openDepth) != toggled.contains(path) }

    private func flatten() -> [Line] {
        var out: [Line] = []
        func walk(_ value: JSONValue, key: String, path: String, depth: Int) {
            switch value {
            case .object(let object):
                let open = isOpen(path, depth: depth)
                out.append(Line(depth: depth, key: key, path: path, summary: "{\(counted(object.count, "field"))}",
                                isContainer: true, isOpen: open, role: .text, value: value))
                guard open else { return }
                for (name, member) in object { walk(member, key: name, path: path.isEmpty ? name : path + "." + name, depth: depth + 1) }
            case .array(let items):
                let open = isOpen(path, depth: depth)
                out.append(Line(depth: depth, key: key, path: path, summary: "[\(counted(items.count, "item"))]",
                                isContainer: true, isOpen: open, role: .text, value: value))
                guard open else { return }
                for (index, item) in items.enumerated() {
                    walk(item, key: String(index), path: path.isEmpty ? String(index) : path + "." + String(index), depth: depth + 1)
                }
            case .string: out.append(scalar(value, key: key, path: path, depth: depth, role: .success))
            case .int, .double: out.append(scalar(value, key: key, path: path, depth: depth, role: .info))
            case .bool, .null: out.append(scalar(value, key: key, path: path, depth: depth, role: .accent))
            }
        }
        walk(root, key: rootName, path: rootName, depth: 0)
        return out
    }

    private func scalar(_ value: JSONValue, key: String, path: String, depth: Int, role: ThemeRole) -> Line {
        Line(depth: depth, key: key, path: path, summary: JSONWriter.compact(value), isContainer: false, isOpen: false, role: role,
             value: value)
    }

    /// A line as a list row: indentation, a fold marker ("+" folded, "-" open: ASCII, as the triangles have
    /// disputed widths), the key, and the value or the container's size.
    static func row(_ line: Line) -> ListRow {
        let marker = line.isContainer ? (line.isOpen ? "- " : "+ ") : "  "
        return ListRow([Span(String(repeating: "  ", count: line.depth) + marker, .muted), Span(line.key, .primary),
                        Span(": ", .muted), Span(line.summary, line.isContainer ? .muted : line.role)])
    }
}
