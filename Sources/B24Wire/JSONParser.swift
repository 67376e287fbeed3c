/// Why a JSON text could not be read, with the byte offset where reading stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in words a user can act on.
    public var reason: String
    /// Byte offset into the input.
    public var offset: Int

    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict, order-preserving JSON reader working on UTF-8 bytes.
///
/// Foundation's `JSONSerialization` drops key order and merges integers with doubles; Bitrix24 users read
/// responses in portal order and compare IDs exactly, so b24 reads JSON itself.
public struct JSONParser {
    /// The deepest nesting accepted (PHP's `json_decode` default). The parser itself does not recurse, but code
    /// that walks the values it returns (equality, hashing, release, user code) does.
    public static let maximumDepth = 512

    /// Parses a complete JSON text (surrounding whitespace allowed, nothing else after the value).
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        // Contiguous input (Data, [UInt8]) is read in place: a 20 MB answer is not copied once more to be parsed.
        let inPlace = bytes.withContiguousStorageIfAvailable { buffer in Result { () throws(JSONParseError) in try parse(buffer: buffer) } }
        if let inPlace { return try inPlace.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in Result { () throws(JSONParseError) in try parse(buffer: buffer) } }.get()
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: buffer)
        parser.skipWhitespace()
        guard parser.position < buffer.count else { throw parser.failure("empty input, no JSON value") }
        let value = try parser.parseDocument()
        parser.skipWhitespace()
        guard parser.position == buffer.count else {
            throw parser.failure("unexpected text after the JSON value")
        }
        return value
    }

    /// Parses JSON text given as a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// The input, borrowed for the length of one `parse` call.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Object keys too long to be stored inline in a String, read once: every row of a list shares one copy.
    private var longKeys: [String: String] = [:]
    /// How many members the last object at each depth had: the next object there (the next row of a list
    /// usually has the same fields) reserves that much, so its storage is not grown step by step.
    private var membersAtDepth: [Int] = []
    /// The last object closed at each depth: the next one there with the same keys in the same order (the next
    /// row of a list) shares its key storage, so the keys of a 20 MB list exist once, not once per row.
    private var shapeAtDepth: [JSONObject] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, offset: position)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// An array or object still being read. A class, so that appending to it never copies its storage.
    private final class OpenContainer {
        let isObject: Bool
        var items: [JSONValue] = []
        var object = JSONObject()
        /// The key whose value is being read (objects only).
        var key = ""

        init(isObject: Bool) { self.isObject = isObject }
    }

    /// Reads one value with an explicit stack of open containers instead of recursion, so deep input costs heap,
    /// not thread stack (a 512 KiB thread must survive `maximumDepth`).
    private mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        var open: [OpenContainer] = []
        nextValue: while true {
            skipWhitespace()
            guard open.count < Self.maximumDepth else { throw failure("JSON nested too deeply") }
            guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
            var value: JSONValue
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    value = .emptyObject
                } else {
                    let container = OpenContainer(isObject: true)
                    if open.count < membersAtDepth.count { container.object.reserveCapacity(membersAtDepth[open.count]) }
                    container.key = try parseKey()
                    open.append(container)
                    continue nextValue
                }
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    open.append(OpenContainer(isObject: false))
                    continue nextValue
                }
            case UInt8(ascii: "\""): value = .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try parseNumber()
            case UInt8(ascii: "<"): throw failure("got HTML/XML, not JSON")
            case let byte: throw failure("unexpected character '\(Self.printable(byte))'")
            }
            // A value is complete: hand it to the innermost open container, closing containers as they end.
            while let container = open.last {
                skipWhitespace()
                guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
                let byte = bytes[position]
                if container.isObject {
                    container.object[container.key] = value
                    switch byte {
                    case UInt8(ascii: ","):
                        position += 1
                        container.key = try parseKey()
                        continue nextValue
                    case UInt8(ascii: "}"):
                        position += 1
                        let depth = open.count - 1
                        while membersAtDepth.count <= depth { membersAtDepth.append(0) }
                        membersAtDepth[depth] = container.object.count
                        value = .object(sharingKeys(container.object, depth: depth))
                    default:
                        throw failure("expected ',' or '}' in object")
                    }
                } else {
                    container.items.append(value)
                    switch byte {
                    case UInt8(ascii: ","):
                        position += 1
                        continue nextValue
                    case UInt8(ascii: "]"):
                        position += 1
                        value = .array(container.items)
                    default:
                        throw failure("expected ',' or ']' in array")
                    }
                }
                open.removeLast()
            }
            return value
        }
    }

    /// `object` with the key storage of the last object closed at `depth` when their keys are the same, in order
    /// (copy on write shares the keys; only the values get storage of their own); else `object`, which becomes the
    /// shape the next one is compared with.
    private mutating func sharingKeys(_ object: JSONObject, depth: Int) -> JSONObject {
        while shapeAtDepth.count <= depth { shapeAtDepth.append([:]) }
        let shape = shapeAtDepth[depth]
        guard shape.count == object.count, shape.keys.elementsEqual(object.keys) else {
            shapeAtDepth[depth] = object
            return object
        }
        var shared = shape
        for index in object.values.indices { shared.values[index] = object.values[index] }
        return shared
    }

    /// Reads `"key" :` inside an object, leaving `position` at the value.
    private mutating func parseKey() throws(JSONParseError) -> String {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
        guard bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a quoted object key") }
        var key = try parseString()
        if key.utf8.count > 15 {  // shorter strings live inline in the String value and cost nothing to repeat
            if let known = longKeys[key] { key = known } else { longKeys[key] = key }
        }
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
        guard bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after object key") }
        position += 1
        return key
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
    }

    private mutating func expectLiteral(_ word: String) throws(JSONParseError) {
        for expected in word.utf8 {
            guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
            guard bytes[position] == expected else { throw failure("invalid literal") }
            position += 1
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// Reads one or more digits; running out of input there means the text was cut short.
    private mutating func readDigits(after what: String) throws(JSONParseError) {
        guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
        guard Self.isDigit(bytes[position]) else { throw failure("invalid number: expected a digit after \(what)") }
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    /// Reads a number by the JSON grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    /// Integers that fit in `Int64` stay integers; everything else becomes a finite double.
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, Self.isDigit(bytes[position]) {
                throw failure("invalid number: leading zero")
            }
        } else {
            try readDigits(after: "'-'")  // only a '-' can come before something other than a digit
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try readDigits(after: "'.'")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try readDigits(after: "the exponent")
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let number = Int64(text) { return .int(number) }
        guard let number = Double(text), number.isFinite else {
            position = start
            throw failure("number out of range '\(text.prefix(40))'")
        }
        return .double(number)
    }

    /// Reads a string after its opening quote. Raw bytes are checked as UTF-8 as they go by, so an error names
    /// the first byte of the bad sequence; strings without escapes are copied once.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        var runStart = position
        var decoded: [UInt8] = []
        var hasEscapes = false
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let end = position
                position += 1
                if !hasEscapes { return String(decoding: bytes[runStart..<end], as: UTF8.self) }
                decoded.append(contentsOf: bytes[runStart..<end])
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                hasEscapes = true
                decoded.append(contentsOf: bytes[runStart..<position])
                try parseEscape(into: &decoded)
                runStart = position
            case 0x00..<0x20:
                throw failure("control character in string (must be escaped)")
            case 0x20..<0x80:
                position += 1
            default:
                position += try utf8SequenceLength()
            }
        }
        throw failure("unterminated string (truncated?)")
    }

    /// The length of the well-formed UTF-8 sequence at `position` (Unicode Table 3-7), or an error there.
    private func utf8SequenceLength() throws(JSONParseError) -> Int {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F  // no UTF-16 surrogates
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F  // nothing above U+10FFFF
        default: throw failure("invalid UTF-8 in string")
        }
        for offset in 1..<length {
            guard position + offset < bytes.count else { throw failure("unterminated string (truncated?)") }
            let byte = bytes[position + offset]
            guard (offset == 1 ? secondRange : 0x80...0xBF).contains(byte) else {
                throw failure("invalid UTF-8 in string")
            }
        }
        return length
    }

    /// Decodes one escape at `position` (the backslash) and appends its UTF-8 bytes.
    private mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        position += 1
        guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""): decoded.append(0x22)
        case UInt8(ascii: "\\"): decoded.append(0x5C)
        case UInt8(ascii: "/"): decoded.append(0x2F)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            let escapeStart = position - 2
            var code = try parseHex4()
            if (0xD800..<0xDC00).contains(code) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
                guard bytes[position] == UInt8(ascii: "\\") else {
                    throw JSONParseError(reason: "unpaired surrogate in \\u escape", offset: escapeStart)
                }
                guard position + 1 < bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
                guard bytes[position + 1] == UInt8(ascii: "u") else {
                    throw JSONParseError(reason: "unpaired surrogate in \\u escape", offset: escapeStart)
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw JSONParseError(reason: "unpaired surrogate in \\u escape", offset: escapeStart)
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(code) {
                throw JSONParseError(reason: "unpaired surrogate in \\u escape", offset: escapeStart)
            }
            guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
            UTF8.encode(scalar) { decoded.append($0) }
        default:
            position -= 2
            throw failure("invalid escape '\\\(Self.printable(escape))'")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("unexpected end of JSON (truncated?)") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid \\u escape")
            }
            code = code * 16 + digit
            position += 1
        }
        return code
    }
}
