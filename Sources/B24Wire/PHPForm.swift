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
        case .double(let number): result.append((key, formFormat(number)))
        case .int, .string: result.append((key, value.stringValue ?? ""))
        case .array(let items):
            for (index, item) in items.enumerated() { flatten(item, key: "\(key)[\(index)]", into: &result) }
        case .object(let object):
            for (member, item) in object { flatten(item, key: "\(key)[\(member)]", into: &result) }
        }
    }

    /// A double as PHP turns it into form text: integral values without a fraction (`15000`, not `15000.0`).
    static func formFormat(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            return (number.sign == .minus && number == 0 ? "-" : "") + String(Int64(number))
        }
        return JSONWriter.format(number)
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

    /// PHP's `max_input_nesting_level` default: a name with more bracket levels is dropped, with any value it had.
    public static let maximumNesting = 64

    /// Decodes form or query text (`a[b]=1&c[]=x`), with `+` as space, into nested parameters.
    /// Pairs are split on the bytes `&` and `=` before any percent-decoding, as PHP does.
    public static func decode(_ text: String) throws(DecodingError) -> JSONValue {
        var decodedPairs: [(key: String, value: String)] = []
        let bytes = Array(text.utf8)
        for part in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let key = try percentDecode(bytes: part[..<(equals ?? part.endIndex)], plusIsSpace: true)
            var value = ""
            if let equals { value = try percentDecode(bytes: part[(equals + 1)...], plusIsSpace: true) }
            decodedPairs.append((key, value))
        }
        return try decode(pairs: decodedPairs)
    }

    /// Builds nested parameters from already-decoded `(key, value)` pairs (for multipart bodies), reading names
    /// as PHP does (see `splitKey`). Maps whose keys end up exactly `0..n-1` become lists, as PHP would serialize them.
    public static func decode(pairs: [(key: String, value: String)]) throws(DecodingError) -> JSONValue {
        let root = Node()
        for (key, value) in pairs {
            guard let path = splitKey(key) else { continue }
            if path.count - 1 > maximumNesting {
                root.children.removeValue(forKey: path[0])
                continue
            }
            root.insert(value, at: path[...])
        }
        return root.value
    }

    /// Reads a variable name the way PHP's `php_register_variable_ex` does: `a[b][][c]` is `["a", "b", "", "c"]`,
    /// where `""` means "append". Also as in PHP:
    /// - leading blanks are dropped, and blanks or dots in the top-level name become `_` (`a.b` is `a_b`);
    /// - an empty top-level name drops the pair (`nil`);
    /// - `[ ]` (one blank) appends like `[]`;
    /// - an unclosed first bracket becomes `_` (`a[b` is `a_b`); an unclosed later one ends the name (`a[b][c` is `a[b]`);
    /// - text after a `]` that does not open another bracket is ignored (`a[b]x` is `a[b]`).
    /// Reading stops at level `maximumNesting + 1`, so a hostile name costs little; the caller drops such names.
    static func splitKey(_ key: String) -> [String]? {
        let bytes = Array(key.utf8)
        var position = 0
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
        var name: [UInt8] = []
        while position < bytes.count, bytes[position] != UInt8(ascii: "[") {
            let byte = bytes[position]
            name.append(byte == UInt8(ascii: " ") || byte == UInt8(ascii: ".") ? UInt8(ascii: "_") : byte)
            position += 1
        }
        guard !name.isEmpty else { return nil }
        var path = [String(decoding: name, as: UTF8.self)]
        while position < bytes.count, bytes[position] == UInt8(ascii: "[") {
            if path.count > maximumNesting {
                // One level too many: PHP gives up on the whole name. An over-long path tells the caller so.
                path.append("")
                return path
            }
            let indexStart = position + 1
            var cursor = indexStart
            if cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(bytes[cursor]) { cursor += 1 }
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "]") {
                path.append("")
                position = cursor + 1
                continue
            }
            guard let close = bytes[cursor...].firstIndex(of: UInt8(ascii: "]")) else {
                if path.count == 1 {
                    // PHP puts the bracket back into the name as '_' and keeps the rest verbatim.
                    name.append(UInt8(ascii: "_"))
                    name.append(contentsOf: bytes[indexStart...])
                    return [String(decoding: name, as: UTF8.self)]
                }
                return path
            }
            path.append(String(decoding: bytes[indexStart..<close], as: UTF8.self))
            position = close + 1
        }
        return path
    }

    /// Decodes `%XX` escapes (and `+` as space in forms). Invalid escapes or invalid UTF-8 are errors.
    public static func percentDecode(_ text: String, plusIsSpace: Bool) throws(DecodingError) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusIsSpace) }) else {
            return text
        }
        return try percentDecode(bytes: Array(text.utf8)[...], plusIsSpace: plusIsSpace)
    }

    private static func percentDecode(bytes input: ArraySlice<UInt8>, plusIsSpace: Bool) throws(DecodingError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = input.startIndex
        while index < input.endIndex {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < input.endIndex, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
                else {
                    throw DecodingError(reason: "invalid percent-escape in '\(Self.preview(input))'")
                }
                bytes.append(high << 4 | low)
                index += 3
            default:
                bytes.append(byte)
                index += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw DecodingError(reason: "invalid UTF-8 after percent-decoding '\(Self.preview(input))'")
        }
        return decoded
    }

    /// The start of some form text, for error messages.
    private static func preview(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(60), as: UTF8.self)
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

        /// False once an integer key `Int.max` was used: PHP then refuses to append (and so do we, quietly).
        var canAppend = true

        func insert(_ value: String, at path: ArraySlice<String>) {
            guard let first = path.first else { leaf = value; children.removeAll(); return }
            var key = first
            if key.isEmpty {
                guard canAppend else { return }
                key = String(nextIndex)
            }
            // Only canonical decimal integers are integer keys in PHP ("5" and "-5", not "05", "+5" or "-0").
            if let number = Int(key), number >= nextIndex, String(number) == key {
                if number == .max { canAppend = false } else { nextIndex = number + 1 }
            }
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
