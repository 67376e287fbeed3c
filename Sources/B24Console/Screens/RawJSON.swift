import B24Wire

/// The raw view: a value exactly as `JSONWriter.pretty` writes it, laid out one line at a time. Only the index
/// of lines (every value and closing bracket, 12 bytes each) is built; a line's text is written when it is
/// drawn, so a 20 MB answer is never turned into a 30 MB string and a million `String`s.
struct RawJSON: Equatable, Sendable {
    let root: JSONValue
    /// Every value and closing bracket (empty containers are written inline, `[]` and `{}`, as the writer does).
    let index: JSONIndex

    init(_ root: JSONValue) {
        self.root = root
        index = JSONIndex(root, openDepth: .max, closers: true)
    }

    var count: Int { index.count }

    /// The text of line `position`: indentation, the member name in an object, the value or an opening or
    /// closing bracket, and the comma that separates it from the next member.
    func line(_ position: Int) -> String {
        let entry = index[position]
        var text = String(repeating: "  ", count: Int(entry.depth))
        let node = index.path(ofLine: position)
        guard let value = root.node(at: node) else { return text }
        if entry.isCloser {
            text += isArray(value) ? "]" : "}"
        } else {
            if let parent = index.parent(of: position), case .object(let object)? = root.node(at: index.path(ofLine: parent)) {
                text += JSONWriter.compact(.string(object.keys[Int(entry.child)])) + ": "
            }
            if value.childCount > 0 {
                return text + (isArray(value) ? "[" : "{")
            }
            text += JSONWriter.compact(value)
        }
        let closed = entry.isCloser ? Int(entry.parent) : position
        return index.isLastChild(closed, in: root) ? text : text + ","
    }

    private func isArray(_ value: JSONValue) -> Bool {
        if case .array = value { return true }
        return false
    }
}
