import OrderedCollections

/// PHP bracket notation for form bodies and query strings: `fields[TITLE]=x&select[]=ID&filter[%3EID]=5`.
///
/// Bitrix24 is written in PHP, so forms, query strings and the commands inside `batch` use PHP's rules:
/// nested keys in brackets, `[]` appends to a list, booleans travel as `1`/`0`, and `null` or empty lists are left
/// out (as `http_build_query` does). Both the client and the sandbox use this one implementation, and its tests run
/// against documented wire examples, because a bug here would be symmetric and invisible.
public enum PHPForm {
    // MARK: Encoding

    /// Flattens parameters into `(key, value)` pairs with bracketed keys, in order.
    /// Scalars at the top level become plain keys; `nil` values and empty containers produce nothing.
    public static func pairs(_ params: JSONValue) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        switch params {
        case .object(let object):
            for (key, value) in object { flatten(value, key: key, into: &result) }
        case .array(let items):
            for (index, value) in items.enumerated() { flatten(value, key: String(index), into: &result) }
        default:
            break
        }
        return result
    }

    private static func flatten(_ value: JSONValue, key: String, into result: inout [(key: String, value: String)]) {
        switch value {
        case .null: return
        case .bool(let flag): result.append((key, flag ? "1" : "0"))
        case .int, .double, .string: result.append((key, value.stringValue ?? ""))
        case .array(let items):
            for (index, item) in items.enumerated() { flatten(item, key: "\(key)[\(index)]", into: &result) }
        case .object(let object):
            for (member, item) in object { flatten(item, key: "\(key)[\(member)]", into: &result) }
        }
    }

    /// The `application/x-www-form-urlencoded` text of the parameters (also a valid URL query).
    public static func encode(_ params: JSONValue) -> String {
        pairs(params).map { percentEncode($0.key) + "=" + percentEncode($0.value) }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so the text survives any URL or form parser.
    public static func percentEncode(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Decoding

    /// Why form text could not be decoded.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, naming the offending key when there is one.
        public var reason: String
        public var description: String { reason }
    }

    /// Decodes form or query text (`a[b]=1&c[]=x`), with `+` as space, into nested parameters.
    public static func decode(_ text: String) throws(DecodingError) -> JSONValue {
        var decodedPairs: [(key: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try percentDecode(String(pieces[0]), plusIsSpace: true)
            let value = pieces.count > 1 ? try percentDecode(String(pieces[1]), plusIsSpace: true) : ""
            decodedPairs.append((key, value))
        }
        return try decode(pairs: decodedPairs)
    }

    /// Builds nested parameters from already-decoded `(key, value)` pairs (for multipart bodies).
    /// Maps whose keys end up exactly `0..n-1` become lists, as PHP would serialize them.
    public static func decode(pairs: [(key: String, value: String)]) throws(DecodingError) -> JSONValue {
        let root = Node()
        for (key, value) in pairs {
            let path = try splitKey(key)
            guard !path.isEmpty, !path[0].isEmpty else { continue }
            root.insert(value, at: path[...])
        }
        return root.value
    }

    /// Splits `a[b][][c]` into `["a", "b", "", "c"]`; `""` means "append".
    static func splitKey(_ key: String) throws(DecodingError) -> [String] {
        guard let open = key.firstIndex(of: "[") else { return [key] }
        var path = [String(key[..<open])]
        var rest = key[open...]
        while rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else {
                // PHP keeps an unbalanced bracket as part of the name; so do we.
                return [key]
            }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return path
    }

    /// Decodes `%XX` escapes (and `+` as space in forms). Invalid escapes or invalid UTF-8 are errors.
    public static func percentDecode(_ text: String, plusIsSpace: Bool) throws(DecodingError) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusIsSpace) }) else {
            return text
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw DecodingError(reason: "invalid percent-escape in '\(text.prefix(60))'")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw DecodingError(reason: "invalid UTF-8 after percent-decoding '\(text.prefix(60))'")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A mutable tree used while decoding; PHP arrays are ordered maps with an integer "next index".
    private final class Node {
        var children = OrderedDictionary<String, Node>()
        var leaf: String?
        var nextIndex = 0

        func insert(_ value: String, at path: ArraySlice<String>) {
            guard let first = path.first else { leaf = value; children.removeAll(); return }
            var key = first
            if key.isEmpty {
                key = String(nextIndex)
            }
            if let number = Int(key), number >= nextIndex { nextIndex = number + 1 }
            let child: Node
            if let existing = children[key], path.count > 1, existing.leaf == nil {
                child = existing
            } else {
                child = Node()
                children[key] = child
            }
            leaf = nil
            child.insert(value, at: path.dropFirst())
        }

        var value: JSONValue {
            if let leaf { return .string(leaf) }
            var object = JSONObject()
            object.reserveCapacity(children.count)
            var sequential = true
            for (index, (key, child)) in children.enumerated() {
                if sequential, key != String(index) { sequential = false }
                object[key] = child.value
            }
            if sequential, !object.isEmpty { return .array(Array(object.values)) }
            return .object(object)
        }
    }
}
