import B24Wire

/// Where a value sits inside a JSON value: the member or item number taken at each level from the root
/// (`[0, 3]` is the root's first child's fourth child). Ordering is document order, so sorted paths read top to
/// bottom as the tree does.
public struct JSONNodePath: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var steps: [Int32]

    public init(_ steps: [Int32] = []) { self.steps = steps }

    public static let root = JSONNodePath()

    /// The child `index` of this node.
    func appending(_ index: Int) -> JSONNodePath { JSONNodePath(steps + [Int32(index)]) }

    /// True when `self` lies inside `other` (or is it).
    func isInside(_ other: JSONNodePath) -> Bool { steps.count >= other.steps.count && steps.starts(with: other.steps) }

    public static func < (a: JSONNodePath, b: JSONNodePath) -> Bool { a.steps.lexicographicallyPrecedes(b.steps) }

    public var description: String { steps.map(String.init).joined(separator: "/") }
}

extension JSONValue {
    /// Members or items of a container (0 for a scalar).
    var childCount: Int {
        switch self {
        case .object(let object): return object.count
        case .array(let items): return items.count
        default: return 0
        }
    }

    var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }

    /// The child at `index`: its member name (or item number) and its value.
    func child(_ index: Int) -> (key: String, value: JSONValue) {
        switch self {
        case .object(let object): return (object.keys[index], object.values[index])
        case .array(let items): return (String(index), items[index])
        default: preconditionFailure("a scalar has no children")
        }
    }

    /// The value at `path` (nil when the path leads nowhere in this value).
    func node(at path: JSONNodePath) -> JSONValue? {
        var value = self
        for step in path.steps {
            guard step >= 0, Int(step) < value.childCount else { return nil }
            value = value.child(Int(step)).value
        }
        return value
    }

    /// The dotted path of a node ("result.0.TITLE"), starting with `rootName`.
    func dottedPath(_ path: JSONNodePath, rootName: String) -> String {
        var text = rootName
        var value = self
        for step in path.steps {
            let (key, child) = value.child(Int(step))
            text += text.isEmpty ? key : "." + key
            value = child
        }
        return text
    }
}

/// The lines of a JSON value in document order, as small fixed-size entries (12 bytes a line) rather than
/// strings: a 20 MB answer has a million lines, and only the few on screen are ever spelled out. Each entry
/// knows its parent line, which child of the parent it is, its depth, and whether it is an open container;
/// with ``closers`` the index also has a line for every closing bracket (the raw view's layout).
struct JSONIndex: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        /// The parent's line (-1 for the root).
        var parent: Int32
        /// Which child of the parent this is.
        var child: Int32
        var depth: UInt16
        var flags: UInt8

        static let container: UInt8 = 1, open: UInt8 = 2, closer: UInt8 = 4
        var isContainer: Bool { flags & Self.container != 0 }
        var isOpen: Bool { flags & Self.open != 0 }
        var isCloser: Bool { flags & Self.closer != 0 }
    }

    private(set) var entries: ContiguousArray<Entry> = []

    var count: Int { entries.count }
    subscript(line: Int) -> Entry { entries[line] }

    /// Walks `root` in document order. Containers shallower than `openDepth` show their children, the others
    /// not, except where `marks` flips them (`Int.max` and no marks: everything open, as the raw view wants).
    /// An open empty container shows as open and has no lines inside. Explicit stack: a value nested 512 deep
    /// costs heap, not thread stack.
    init(_ root: JSONValue, openDepth: Int, marks: FoldMarks = FoldMarks(), closers: Bool = false) {
        struct Frame {
            var children: [JSONValue]
            var line: Int32
            var next: Int
            /// The marks of this container's subtree (nil: none, the defaults hold all the way down).
            var marks: FoldMarks?
        }
        func children(_ value: JSONValue) -> [JSONValue] {
            switch value {
            case .object(let object): return object.values.elements
            case .array(let items): return items
            default: return []
            }
        }
        func flags(_ value: JSONValue, open: Bool) -> UInt8 {
            value.isContainer ? (Entry.container | (open ? Entry.open : 0)) : 0
        }
        if openDepth == .max, marks == FoldMarks() { entries.reserveCapacity(Self.lineCount(root, closers: closers)) }
        var stack: [Frame] = []
        let rootOpen = root.isContainer && (0 < openDepth) != marks.flipped
        entries.append(Entry(parent: -1, child: 0, depth: 0, flags: flags(root, open: rootOpen)))
        if rootOpen, root.childCount > 0 { stack.append(Frame(children: children(root), line: 0, next: 0, marks: marks)) }
        while !stack.isEmpty {
            let top = stack.count - 1
            let index = stack[top].next
            let depth = stack.count
            guard index < stack[top].children.count else {
                let frame = stack.removeLast()
                if closers { entries.append(Entry(parent: frame.line, child: -1, depth: UInt16(depth - 1), flags: Entry.closer)) }
                continue
            }
            stack[top].next += 1
            let value = stack[top].children[index]
            guard value.isContainer else {
                entries.append(Entry(parent: stack[top].line, child: Int32(index), depth: UInt16(depth), flags: 0))
                continue
            }
            let childMarks = stack[top].marks?.children[Int32(index)]
            let open = (depth < openDepth) != (childMarks?.flipped ?? false)
            entries.append(Entry(parent: stack[top].line, child: Int32(index), depth: UInt16(depth), flags: flags(value, open: open)))
            if open, value.childCount > 0 {
                stack.append(Frame(children: children(value), line: Int32(entries.count - 1), next: 0, marks: childMarks))
            }
        }
    }

    /// Lines of `value` with every container open: a counting walk, so a big raw view is allocated once at its
    /// size instead of growing through doublings (which hold the old and the new array at once).
    static func lineCount(_ value: JSONValue, closers: Bool) -> Int {
        var count = 0
        var pending: [JSONValue] = [value]
        while let next = pending.popLast() {
            count += 1
            switch next {
            case .object(let object) where !object.isEmpty:
                if closers { count += 1 }
                pending.append(contentsOf: object.values.elements)
            case .array(let items) where !items.isEmpty:
                if closers { count += 1 }
                pending.append(contentsOf: items)
            default: break
            }
        }
        return count
    }

    /// The node a line shows (a closer: the container it closes).
    func path(ofLine line: Int) -> JSONNodePath {
        var steps: [Int32] = []
        var at = line
        if entries[at].isCloser { at = Int(entries[at].parent) }
        while entries[at].parent >= 0 {
            steps.append(entries[at].child)
            at = Int(entries[at].parent)
        }
        return JSONNodePath(steps.reversed())
    }

    /// The line showing `target` (a closer never), by binary search over document order; nil when it is hidden.
    func line(of target: JSONNodePath) -> Int? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            let found = path(ofLine: mid)
            if entries[mid].isCloser {
                // A closer comes after everything inside its container and before what follows it.
                if target.isInside(found) || target < found { high = mid } else { low = mid + 1 }
                continue
            }
            if found == target { return mid }
            if found < target { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// The line of `line`'s parent container (nil for the root).
    func parent(of line: Int) -> Int? {
        let parent = entries[line].parent
        return parent >= 0 ? Int(parent) : nil
    }

    /// True when `line` is its parent's last child (the raw view writes no comma after it).
    func isLastChild(_ line: Int, in root: JSONValue) -> Bool {
        guard let parent = parent(of: line) else { return true }
        return Int(entries[line].child) == (root.node(at: path(ofLine: parent))?.childCount ?? 0) - 1
    }
}

/// Containers whose folding differs from the default, as a tree of member and item numbers: most of a big answer
/// has no marks, so the index walks it without asking anything.
struct FoldMarks: Equatable, Sendable {
    var flipped = false
    var children: [Int32: FoldMarks] = [:]

    func isFlipped(_ path: JSONNodePath) -> Bool {
        var marks = self
        for step in path.steps {
            guard let next = marks.children[step] else { return false }
            marks = next
        }
        return marks.flipped
    }

    mutating func set(_ flipped: Bool, at steps: ArraySlice<Int32>) {
        guard let first = steps.first else {
            self.flipped = flipped
            return
        }
        var child = children[first] ?? FoldMarks()
        child.set(flipped, at: steps.dropFirst())
        children[first] = child.flipped || !child.children.isEmpty ? child : nil
    }
}
