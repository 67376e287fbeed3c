/// Writes `JSONValue`s as JSON text.
public struct JSONWriter: Sendable {
    /// Indent nested values with two spaces and put each member on its own line.
    public var pretty: Bool
    /// Escape `/` as `\/`, as PHP's `json_encode` does by default.
    public var escapeSlashes: Bool
    /// Escape every non-ASCII character as `\uXXXX`, as PHP's `json_encode` does by default.
    public var escapeUnicode: Bool

    public init(pretty: Bool = false, escapeSlashes: Bool = false, escapeUnicode: Bool = false) {
        self.pretty = pretty
        self.escapeSlashes = escapeSlashes
        self.escapeUnicode = escapeUnicode
    }

    /// Compact JSON with no escaping beyond what JSON requires.
    public static func compact(_ value: JSONValue) -> String { JSONWriter().string(value) }

    /// Indented JSON for people to read.
    public static func pretty(_ value: JSONValue) -> String { JSONWriter(pretty: true).string(value) }

    /// The JSON text of a value.
    public func string(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    /// The JSON text of a value as UTF-8 bytes.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output, indent: 0)
        return output
    }

    /// Doubles in the shortest form that reads back exactly, never `nan` or `inf` (JSON has neither).
    public static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 1e15 {
            // Int64(-0.0) is 0, so the sign of negative zero is written by hand.
            return (number.sign == .minus && number == 0 ? "-" : "") + String(Int64(number)) + ".0"
        }
        return "\(number)"
    }

    /// A container being written and the index of its next member.
    private enum Frame {
        case array([JSONValue], next: Int)
        case object(JSONObject, next: Int)
    }

    /// Writes with an explicit stack instead of recursion, so deep values cost heap, not thread stack.
    private func write(_ root: JSONValue, into output: inout [UInt8], indent: Int) {
        var stack: [Frame] = []
        var pending: JSONValue? = root
        while true {
            if let value = pending {
                pending = nil
                switch value {
                case .null: output.append(contentsOf: "null".utf8)
                case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
                case .int(let number): output.append(contentsOf: String(number).utf8)
                case .double(let number): output.append(contentsOf: Self.format(number).utf8)
                case .string(let text): writeString(text, into: &output)
                case .array(let items):
                    if items.isEmpty {
                        output.append(contentsOf: "[]".utf8)
                    } else {
                        output.append(UInt8(ascii: "["))
                        stack.append(.array(items, next: 0))
                    }
                case .object(let object):
                    if object.isEmpty {
                        output.append(contentsOf: "{}".utf8)
                    } else {
                        output.append(UInt8(ascii: "{"))
                        stack.append(.object(object, next: 0))
                    }
                }
            }
            guard let frame = stack.popLast() else { return }
            let depth = indent + stack.count + 1
            switch frame {
            case .array(let items, let next):
                if next < items.count {
                    if next > 0 { output.append(UInt8(ascii: ",")) }
                    newline(into: &output, indent: depth)
                    stack.append(.array(items, next: next + 1))
                    pending = items[next]
                } else {
                    newline(into: &output, indent: depth - 1)
                    output.append(UInt8(ascii: "]"))
                }
            case .object(let object, let next):
                if next < object.count {
                    if next > 0 { output.append(UInt8(ascii: ",")) }
                    newline(into: &output, indent: depth)
                    writeString(object.keys[next], into: &output)
                    output.append(UInt8(ascii: ":"))
                    if pretty { output.append(UInt8(ascii: " ")) }
                    stack.append(.object(object, next: next + 1))
                    pending = object.values[next]
                } else {
                    newline(into: &output, indent: depth - 1)
                    output.append(UInt8(ascii: "}"))
                }
            }
        }
    }

    private func newline(into output: inout [UInt8], indent: Int) {
        guard pretty else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private func appendEscapedUnit(_ unit: UInt16, into output: inout [UInt8]) {
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(Self.hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }

    private func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case "\\": output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case "\n": output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case "\r": output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case "\t": output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case "/" where escapeSlashes: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
            default:
                if scalar.value < 0x20 {
                    appendEscapedUnit(UInt16(scalar.value), into: &output)
                } else if scalar.value < 0x80 {
                    output.append(UInt8(scalar.value))
                } else if escapeUnicode {
                    UTF16.encode(scalar) { appendEscapedUnit($0, into: &output) }
                } else {
                    UTF8.encode(scalar) { output.append($0) }
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
