import B24Wire
import Foundation

/// Finding things in a JSON value, folded containers included: a text search over member names and values, and
/// a path filter (`result.*.TITLE`). Pure functions over the value; both walk it once with an explicit stack.
public enum JSONSearch {
    /// What a search found, in document order.
    public struct Found: Equatable, Sendable {
        public var nodes: [JSONNodePath] = []
        /// More nodes matched than ``limit``: the rest were not collected.
        public var truncated = false
        /// Nodes looked at (a search of a big answer is not repeated on every typed key).
        public var visited = 0
    }

    /// At most this many hits or matches are kept (a search for "1" in a 20 MB list matches everything).
    static let limit = 100_000

    /// Nodes whose member name, or whose scalar value as JSON shows it, contains `query` (case-insensitive; the
    /// root's own name is not searched).
    static func hits(in root: JSONValue, query: String, limit: Int = limit) -> Found {
        let needle = TextNeedle(query)
        var found = Found()
        guard !query.isEmpty else { return found }
        walk(root) { path, key, value in
            found.visited += 1
            let keyHit = key.map(needle.matches) ?? false
            if keyHit || needle.matches(value) {
                guard found.nodes.count < limit else {
                    found.truncated = true
                    return false
                }
                found.nodes.append(path)
            }
            return true
        }
        return found
    }

    /// Nodes whose dotted path matches `pattern`: components split at dots, `*` stands for any one member name
    /// or item number, names compare case-insensitively. The pattern may leave out the root's name
    /// (`*.TITLE` and `result.*.TITLE` are the same in a `result` tree).
    static func matches(in root: JSONValue, rootName: String, pattern: String, limit: Int = limit) -> Found {
        var parts = pattern.split(separator: ".", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.first?.lowercased() == rootName.lowercased() { parts.removeFirst() }
        var found = Found()
        guard !pattern.trimmingCharacters(in: .whitespaces).isEmpty else { return found }
        // Breadth by pattern component: each step keeps the nodes that matched so far.
        var level: [(JSONNodePath, JSONValue)] = [(.root, root)]
        for part in parts {
            var next: [(JSONNodePath, JSONValue)] = []
            for (path, value) in level {
                found.visited += 1
                if part == "*" {
                    for index in 0 ..< value.childCount { next.append((path.appending(index), value.child(index).value)) }
                } else if let index = childIndex(part, in: value) {
                    next.append((path.appending(index), value.child(index).value))
                }
                if next.count > limit {
                    found.truncated = true
                    next.removeLast(next.count - limit)
                    break
                }
            }
            level = next
        }
        found.nodes = level.map(\.0)
        return found
    }

    /// The child named `name` (an item number in an array; a member name, exact first, then ignoring case).
    private static func childIndex(_ name: String, in value: JSONValue) -> Int? {
        switch value {
        case .array(let items):
            guard let index = Int(name), items.indices.contains(index) else { return nil }
            return index
        case .object(let object):
            if let index = object.index(forKey: name) { return index }
            return object.keys.firstIndex { equalsIgnoringCase($0, name) }
        default:
            return nil
        }
    }

    /// Visits every node below the root in document order: its path, its member name (nil for an array item) and
    /// its value. `visit` returns false to stop.
    static func walk(_ root: JSONValue, _ visit: (JSONNodePath, String?, JSONValue) -> Bool) {
        var stack: [(value: JSONValue, path: JSONNodePath, next: Int)] = [(root, .root, 0)]
        while !stack.isEmpty {
            let top = stack.count - 1
            let index = stack[top].next
            guard index < stack[top].value.childCount else {
                stack.removeLast()
                continue
            }
            stack[top].next += 1
            let path = stack[top].path.appending(index)
            let value: JSONValue
            let key: String?
            if case .object(let object) = stack[top].value {
                key = object.keys[index]
                value = object.values[index]
            } else {
                key = nil
                value = stack[top].value.child(index).value
            }
            guard visit(path, key, value) else { return }
            if value.childCount > 0 { stack.append((value, path, 0)) }
        }
    }
}

/// A search text, folded once, matched against many strings without copying them: ASCII text byte by byte with
/// ASCII case folding; other text scalar by scalar with a small folding table (Latin-1, Greek, Cyrillic; the
/// Unicode lowercase mapping for the rest), so "новиков" finds "Новиков" as fast as "taylor" finds "Taylor".
struct TextNeedle {
    private let bytes: [UInt8]
    private let scalars: [UInt32]
    private let isASCII: Bool

    init(_ query: String) {
        bytes = Array(query.utf8).map(Self.foldByte)
        scalars = query.unicodeScalars.map { Self.fold($0.value) }
        isASCII = bytes.allSatisfy { $0 < 0x80 }
    }

    func matches(_ text: String) -> Bool {
        guard !bytes.isEmpty else { return false }
        if isASCII { return Self.containsFolded(text.utf8, bytes) }
        let scan = { (utf8: UnsafeBufferPointer<UInt8>) -> Bool in self.containsFoldedScalars(utf8) }
        if let found = text.utf8.withContiguousStorageIfAvailable(scan) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(scan)
    }

    /// The scalar search over UTF-8 bytes: decodes in place (a Swift string is valid UTF-8), compares folded
    /// scalars, and restarts one scalar on after a miss.
    private func containsFoldedScalars(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        @inline(__always) func decode(_ at: Int) -> (scalar: UInt32, length: Int) {
            let lead = UInt32(text[at])
            if lead < 0x80 { return (lead, 1) }
            if lead < 0xE0, at + 1 < text.count { return ((lead & 0x1F) << 6 | UInt32(text[at + 1] & 0x3F), 2) }
            if lead < 0xF0, at + 2 < text.count {
                return ((lead & 0x0F) << 12 | UInt32(text[at + 1] & 0x3F) << 6 | UInt32(text[at + 2] & 0x3F), 3)
            }
            guard at + 3 < text.count else { return (lead, 1) }
            return ((lead & 0x07) << 18 | UInt32(text[at + 1] & 0x3F) << 12 | UInt32(text[at + 2] & 0x3F) << 6
                | UInt32(text[at + 3] & 0x3F), 4)
        }
        var start = 0
        while start < text.count {
            let (first, length) = decode(start)
            if Self.fold(first) == scalars[0] {
                var at = start + length
                var matched = 1
                while matched < scalars.count, at < text.count {
                    let (next, size) = decode(at)
                    guard Self.fold(next) == scalars[matched] else { break }
                    matched += 1
                    at += size
                }
                if matched == scalars.count { return true }
            }
            start += length
        }
        return false
    }

    /// A scalar as the tree shows it (strings without their quotes); containers never match by value.
    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return matches(text)
        case .int(let number): return matches(String(number))
        case .double(let number): return matches(JSONWriter.format(number))
        case .bool(let flag): return matches(flag ? "true" : "false")
        case .null: return matches("null")
        case .array, .object: return false
        }
    }

    /// True when `haystack` contains `needle` (already folded ASCII), ignoring ASCII case. A plain scan with
    /// restart: needles are short, and nothing is copied.
    private static func containsFolded(_ haystack: String.UTF8View, _ needle: [UInt8]) -> Bool {
        let scan = { (text: UnsafeBufferPointer<UInt8>) -> Bool in
            guard text.count >= needle.count else { return false }
            for start in 0 ... text.count - needle.count {
                var matched = 0
                while matched < needle.count, Self.foldByte(text[start + matched]) == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            return false
        }
        if let found = haystack.withContiguousStorageIfAvailable(scan) { return found }
        return Array(haystack).withUnsafeBufferPointer(scan)
    }

    private static func foldByte(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// A scalar's lowercase form: a table for the alphabets b24 mostly shows, Unicode's mapping for the rest.
    static func fold(_ value: UInt32) -> UInt32 {
        switch value {
        case 0x41 ... 0x5A, 0xC0 ... 0xD6, 0xD8 ... 0xDE, 0x391 ... 0x3A1, 0x3A3 ... 0x3AB, 0x410 ... 0x42F: return value + 0x20
        case 0x400 ... 0x40F: return value + 0x50
        case 0 ..< 0x80, 0x430 ... 0x45F: return value
        default:
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenLowercased,
                  let lower = scalar.properties.lowercaseMapping.unicodeScalars.first else { return value }
            return lower.value
        }
    }
}

/// Member names compared ignoring case, without lowercasing copies when both are ASCII.
func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    guard a.utf8.count == b.utf8.count || !(a.utf8.allSatisfy { $0 < 0x80 }) else { return false }
    var left = a.unicodeScalars.makeIterator(), right = b.unicodeScalars.makeIterator()
    while true {
        switch (left.next(), right.next()) {
        case (nil, nil): return true
        case (let x?, let y?): if TextNeedle.fold(x.value) != TextNeedle.fold(y.value) { return false }
        default: return false
        }
    }
}
