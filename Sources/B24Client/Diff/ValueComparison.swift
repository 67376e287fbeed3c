import B24Wire
import Foundation

/// Compares values as the portal means them, so a diff shows no false changes: `"15000.00"` = 15000, `"Y"` =
/// true = 1 for flags, dates equal when their instant is, an empty string = null, key order ignored.
public enum ValueComparison {
    /// Whether `a` and `b` mean the same value of a field of type `type` (nil: not known, guess from the values).
    public static func same(_ a: JSONValue?, _ b: JSONValue?, type: String? = nil) -> Bool {
        let a = a ?? .null, b = b ?? .null
        if isEmpty(a) && isEmpty(b) { return true }
        if isEmpty(a) != isEmpty(b) {
            // A flag's "N" is its empty state on some portals' fresh records.
            if isFlag(type), a.boolValue == false || b.boolValue == false { return a.boolValue == b.boolValue }
            return false
        }
        switch (a, b) {
        case (.array(let x), .array(let y)):
            return sameMultiset(x, y, type: type)
        case (.object(let x), .object(let y)):
            // Key order is ignored, and each member compares by meaning ("5" = 5).
            guard Set(x.keys) == Set(y.keys) else { return false }
            return x.allSatisfy { key, value in same(value, y[key], type: nil) }
        case (.array, _), (_, .array), (.object, _), (_, .object):
            // A multiple field written as one value, or the other way round.
            let x = a.arrayValue ?? [a], y = b.arrayValue ?? [b]
            if case .object = a, a.arrayValue == nil { return false }
            if case .object = b, b.arrayValue == nil { return false }
            return sameMultiset(x, y, type: type)
        default:
            return sameScalar(a, b, type: type)
        }
    }

    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return true
        case .string(let text): return text.isEmpty
        case .array(let items): return items.isEmpty
        case .object(let object): return object.isEmpty
        default: return false
        }
    }

    static func isFlag(_ type: String?) -> Bool { type == "char" || type == "boolean" || type == "bool" }

    static let numericTypes: Set<String> = [
        "integer", "double", "money", "float", "user", "employee", "crm_company", "crm_contact", "crm_lead",
        "crm_deal", "crm_quote", "crm_category", "location", "iblock_element", "iblock_section",
    ]

    private static func sameScalar(_ a: JSONValue, _ b: JSONValue, type: String?) -> Bool {
        if a.stringValue == b.stringValue { return true }
        if isFlag(type) { return a.boolValue != nil && a.boolValue == b.boolValue }
        if type == "date" || type == "datetime" {
            if let x = instant(a.stringValue), let y = instant(b.stringValue) { return x == y }
            return false
        }
        if let type, type == "money", let x = money(a), let y = money(b) { return x == y }
        if let type, numericTypes.contains(type) || type == "enumeration" || type == "crm_status" || type == "enum" {
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            return false
        }
        if type == nil || type == "string" {
            // Unknown type: numbers and instants still compare by meaning; text stays exact.
            if case .string = a, case .string = b {
                if let x = instant(a.stringValue), let y = instant(b.stringValue) { return x == y }
                if let x = plainNumber(a), let y = plainNumber(b) { return x == y }
                return false
            }
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            if case .bool(let flag) = a { return b.boolValue == flag }
            if case .bool(let flag) = b { return a.boolValue == flag }
        }
        return false
    }

    /// A number written plainly (`15000`, `15000.00`), not a phone or a code with leading zeros.
    private static func plainNumber(_ value: JSONValue) -> Double? {
        guard let text = value.stringValue, let number = Double(text) else { return nil }
        if text.hasPrefix("0"), text.count > 1, !text.hasPrefix("0.") { return nil }
        if text.hasPrefix("+") { return nil }
        return number
    }

    /// Money as crm.item writes it: `15000|RUB` or a plain number.
    private static func money(_ value: JSONValue) -> String? {
        guard let text = value.stringValue else { return nil }
        let parts = text.split(separator: "|", maxSplits: 1).map(String.init)
        guard let number = Double(parts.first ?? "") else { return nil }
        return "\(number)|\(parts.count > 1 ? parts[1] : "")"
    }

    private static func sameMultiset(_ x: [JSONValue], _ y: [JSONValue], type: String?) -> Bool {
        guard x.count == y.count else { return false }
        var rest = y
        for item in x {
            guard let index = rest.firstIndex(where: { same(item, $0, type: type) }) else { return false }
            rest.remove(at: index)
        }
        return true
    }

    /// The instant an ISO 8601 date-time stands for (`2026-12-03T10:00:00+03:00`, `…Z`, `2026-12-03 10:00:00`);
    /// a plain date is midnight UTC. Nil for anything else.
    public static func instant(_ text: String?) -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), text.count >= 10 else { return nil }
        let chars = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var value = 0
            for byte in chars[from..<(from + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = digits(0, 4), chars[4] == 45, let month = digits(5, 2), chars[7] == 45,
              let day = digits(8, 2) else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        var offset = 0
        var index = 10
        if chars.count > 10 {
            guard chars[10] == 84 || chars[10] == 32, let hour = digits(11, 2), chars.count > 13, chars[13] == 58,
                  let minute = digits(14, 2) else { return nil }
            components.hour = hour
            components.minute = minute
            index = 16
            if chars.count > 16, chars[16] == 58, let second = digits(17, 2) {
                components.second = second
                index = 19
            }
            if index < chars.count, chars[index] == 46 {  // fractions of a second are ignored
                index += 1
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 { index += 1 }
            }
            if index < chars.count {
                switch chars[index] {
                case 90: index += 1  // Z
                case 43, 45:
                    let sign = chars[index] == 45 ? -1 : 1
                    guard let hours = digits(index + 1, 2) else { return nil }
                    var minutes = 0
                    var end = index + 3
                    if end < chars.count, chars[end] == 58 { end += 1 }
                    if let value = digits(end, 2) { minutes = value; end += 2 }
                    offset = sign * (hours * 3600 + minutes * 60)
                    index = end
                default: return nil
                }
            }
            guard index == chars.count else { return nil }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(TimeInterval(-offset))
    }
}
