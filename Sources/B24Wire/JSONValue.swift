import Foundation
import OrderedCollections

/// A JSON value as Bitrix24 sends and receives it.
///
/// Objects keep their key order (PHP arrays are ordered, and users read responses in that order).
/// Integers and doubles are kept apart so that IDs and error codes such as `200040300010` round-trip exactly.
/// The accessors tolerate PHP `json_encode` artefacts: `[]` standing for an empty map, lists standing for maps
/// with keys `0..n-1`, and numbers sent as strings.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// An empty JSON object.
    public static let emptyObject = JSONValue.object([:])
}

/// An ordered JSON object.
public typealias JSONObject = OrderedDictionary<String, JSONValue>

// MARK: - Equality and hashing

extension JSONValue {
    /// Structural equality; object member order matters. Written with an explicit stack rather than the synthesized
    /// recursion, so comparing values nested `JSONParser.maximumDepth` deep fits a small thread stack.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        var pending: [(JSONValue, JSONValue)] = [(lhs, rhs)]
        while let (left, right) = pending.popLast() {
            switch (left, right) {
            case (.null, .null): continue
            case (.bool(let a), .bool(let b)): if a != b { return false }
            case (.int(let a), .int(let b)): if a != b { return false }
            case (.double(let a), .double(let b)): if a != b { return false }
            case (.string(let a), .string(let b)): if a != b { return false }
            case (.array(let a), .array(let b)):
                guard a.count == b.count else { return false }
                pending.append(contentsOf: zip(a, b))
            case (.object(let a), .object(let b)):
                guard a.count == b.count else { return false }
                for (x, y) in zip(a, b) {
                    guard x.key == y.key else { return false }
                    pending.append((x.value, y.value))
                }
            default: return false
            }
        }
        return true
    }

    /// Hashes consistently with `==` (member order included), with an explicit stack like `==`.
    public func hash(into hasher: inout Hasher) {
        var pending: [JSONValue] = [self]
        while let value = pending.popLast() {
            switch value {
            case .null: hasher.combine(0 as UInt8)
            case .bool(let flag): hasher.combine(1 as UInt8); hasher.combine(flag)
            case .int(let number): hasher.combine(2 as UInt8); hasher.combine(number)
            case .double(let number): hasher.combine(3 as UInt8); hasher.combine(number)
            case .string(let text): hasher.combine(4 as UInt8); hasher.combine(text)
            case .array(let items):
                hasher.combine(5 as UInt8)
                hasher.combine(items.count)
                pending.append(contentsOf: items.reversed())
            case .object(let object):
                hasher.combine(6 as UInt8)
                hasher.combine(object.count)
                for (key, item) in object.reversed() {
                    pending.append(item)
                    pending.append(.string(key))
                }
            }
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

// MARK: - Tolerant accessors

extension JSONValue {
    /// True for `null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as an object. A PHP empty array (`[]`) reads as an empty object, and a list reads as a map with
    /// keys `"0"..."n-1"`, because PHP serializes those maps as lists.
    public var objectValue: JSONObject? {
        switch self {
        case .object(let object): return object
        case .array(let items):
            var object = JSONObject()
            for (index, item) in items.enumerated() { object[String(index)] = item }
            return object
        default: return nil
        }
    }

    /// The value as a list. An object whose keys are exactly `"0"..."n-1"` in order reads as a list too.
    public var arrayValue: [JSONValue]? {
        switch self {
        case .array(let items): return items
        case .object(let object):
            for (index, key) in object.keys.enumerated() where key != String(index) { return nil }
            return Array(object.values)
        default: return nil
        }
    }

    /// The value as text: strings as they are, numbers and booleans in their JSON spelling.
    public var stringValue: String? {
        switch self {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return JSONWriter.format(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    /// The value as an integer; numeric strings (`"123"`) and integral doubles count.
    public var intValue: Int64? {
        switch self {
        case .int(let number): return number
        case .double(let number):
            guard number.rounded() == number, abs(number) < 9.2e18 else { return nil }
            return Int64(number)
        case .string(let text): return Int64(text.trimmingWhitespace)
        default: return nil
        }
    }

    /// The value as a double; numeric strings count.
    public var doubleValue: Double? {
        switch self {
        case .int(let number): return Double(number)
        case .double(let number): return number
        case .string(let text): return Double(text.trimmingWhitespace)
        default: return nil
        }
    }

    /// The value as a flag: JSON booleans, `"Y"/"N"`, `"1"/"0"`, `"true"/"false"`, `1/0`.
    public var boolValue: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .string(let text):
            switch text.lowercased() {
            case "y", "1", "true", "yes": return true
            case "n", "0", "false", "no", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// Member lookup on objects (and on lists, by decimal index).
    public subscript(key: String) -> JSONValue? {
        switch self {
        case .object(let object): return object[key]
        case .array(let items):
            guard let index = Int(key), items.indices.contains(index) else { return nil }
            return items[index]
        default: return nil
        }
    }

    /// Element lookup on lists (and on maps keyed `"0"...`).
    public subscript(index: Int) -> JSONValue? {
        switch self {
        case .array(let items):
            // Not a ternary: there `nil` would become `JSONValue.null` (the type is ExpressibleByNilLiteral).
            guard items.indices.contains(index) else { return nil }
            return items[index]
        case .object(let object): return object[String(index)]
        default: return nil
        }
    }

    /// Case-insensitive member lookup, for CRM v2 parameters (`id`/`ID`, `fields`/`FIELDS`).
    public func member(caseInsensitive key: String) -> JSONValue? {
        guard let object = objectValue else { return nil }
        if let exact = object[key] { return exact }
        let lowered = key.lowercased()
        return object.first(where: { $0.key.lowercased() == lowered })?.value
    }

    /// A short name of the value's kind, for error messages ("expected object, got array").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter.compact(self) }
}

// MARK: - Text

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines. Done natively: Foundation's
    /// `trimmingCharacters(in:)` goes through NSString on Linux, and its first use costs a runtime type lookup
    /// on the path of every `b24 call`.
    public var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}
