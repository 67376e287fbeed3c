import B24Wire
import Foundation

/// A v2 list filter: `{"%TITLE": "x", ">=DATE_CREATE": "...", "@ID": [1,2], "!STATUS_ID": "NEW"}`, all ANDed
/// (PROTOCOL §2.9). Values are compared as numbers when both sides are numbers, as dates when both are dates,
/// otherwise as case-insensitive text. Multi-valued fields match when any element matches.
struct ListFilter {
    enum Op: String {
        case equal = "=", notEqual = "!=", greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
        case inList = "@", notInList = "!@"
        case contains = "%", like = "=%", notContains = "!%", notLike = "!=%"
    }

    struct Condition {
        let op: Op
        /// Field name, uppercased.
        let field: String
        let value: JSONValue
    }

    let conditions: [Condition]

    /// Prefixes, longest first so `!=%` wins over `!=` and `!`.
    private static let prefixes: [(String, Op)] = [
        ("!=%", .notLike), ("!%=", .notLike), (">=", .greaterOrEqual), ("<=", .lessOrEqual), ("=%", .like),
        ("%=", .like), ("!@", .notInList), ("!%", .notContains), ("!=", .notEqual), (">", .greater), ("<", .less),
        ("@", .inList), ("%", .contains), ("=", .equal), ("!", .notEqual),
    ]

    init(_ filter: JSONValue?, uppercaseFields: Bool = true) {
        var conditions: [Condition] = []
        for (key, value) in filter?.objectValue ?? [:] {
            var op = Op.equal
            var field = Substring(key)
            for (prefix, candidate) in Self.prefixes where key.hasPrefix(prefix) {
                op = candidate
                field = key.dropFirst(prefix.count)
                break
            }
            let name = uppercaseFields ? field.uppercased() : String(field)
            conditions.append(Condition(op: op, field: name, value: value))
        }
        self.conditions = conditions
    }

    init(conditions: [Condition]) { self.conditions = conditions }

    var isEmpty: Bool { conditions.isEmpty }

    /// Bounds on ID implied by the conditions, so ID-ordered scans can start and stop early.
    func idBounds(field: String = "ID") -> (lower: Int, upper: Int) {
        var lower = Int.min, upper = Int.max
        for condition in conditions where condition.field == field {
            guard let number = condition.value.intValue.map(Int.init) else { continue }
            switch condition.op {
            case .greater: lower = max(lower, number &+ 1)
            case .greaterOrEqual, .equal: lower = max(lower, number)
            default: break
            }
            switch condition.op {
            case .less: upper = min(upper, number &- 1)
            case .lessOrEqual, .equal: upper = min(upper, number)
            default: break
            }
        }
        return (lower, upper)
    }

    /// True when a record passes every condition; `value` looks a field up (nil = absent).
    func matches(_ value: (String) -> JSONValue?) -> Bool {
        for condition in conditions where !Self.test(condition, value(condition.field)) { return false }
        return true
    }

    static func test(_ condition: Condition, _ actual: JSONValue?) -> Bool {
        let candidates = scalars(actual)
        switch condition.op {
        case .notEqual, .notInList, .notContains, .notLike:
            // Negations hold when no element matches the positive form.
            let positive: Op
            switch condition.op {
            case .notEqual: positive = .equal
            case .notInList: positive = .inList
            case .notContains: positive = .contains
            default: positive = .like
            }
            return !candidates.contains { testScalar(positive, $0, condition.value) }
        default:
            if candidates.isEmpty { return testScalar(condition.op, .null, condition.value) }
            return candidates.contains { testScalar(condition.op, $0, condition.value) }
        }
    }

    /// Flattens multi-valued fields: lists of scalars, and multifield entries (their VALUE).
    private static func scalars(_ value: JSONValue?) -> [JSONValue] {
        guard let value else { return [] }
        switch value {
        case .array(let items):
            return items.map { item in item["VALUE"] ?? item }
        default:
            return [value]
        }
    }

    private static func testScalar(_ op: Op, _ actual: JSONValue, _ expected: JSONValue) -> Bool {
        switch op {
        case .equal:
            if case .array(let options) = expected { return options.contains { equal(actual, $0) } }
            return equal(actual, expected)
        case .inList:
            let options = expected.arrayValue ?? [expected]
            return options.contains { equal(actual, $0) }
        case .greater: return compare(actual, expected).map { $0 > 0 } ?? false
        case .greaterOrEqual: return compare(actual, expected).map { $0 >= 0 } ?? false
        case .less: return compare(actual, expected).map { $0 < 0 } ?? false
        case .lessOrEqual: return compare(actual, expected).map { $0 <= 0 } ?? false
        case .contains:
            guard let text = actual.stringValue, let needle = expected.stringValue else { return false }
            return needle.isEmpty || text.range(of: needle, options: [.caseInsensitive]) != nil
        case .like:
            guard let text = actual.stringValue, let pattern = expected.stringValue else { return false }
            return like(text.lowercased(), pattern.lowercased())
        default:
            return false
        }
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .bool(let flag): return flag ? "Y" : "N"
        case .null: return ""
        default: return value.stringValue
        }
    }

    static func equal(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        if let a = number(actual), let b = number(expected) { return a == b }
        guard let a = text(actual), let b = text(expected) else { return false }
        if a == b { return true }
        if (a == "Y" && b == "true") || (a == "N" && b == "false") || (a == "true" && b == "Y") || (a == "false" && b == "N") {
            return true
        }
        if let x = PortalClock.parse(a), let y = PortalClock.parse(b) { return x == y }
        return a.compare(b, options: .caseInsensitive) == .orderedSame
    }

    /// -1/0/1, or nil when the values cannot be ordered (null, objects).
    static func compare(_ actual: JSONValue, _ expected: JSONValue) -> Int? {
        if actual.isNull { return nil }
        if let a = number(actual), let b = number(expected) { return a < b ? -1 : (a > b ? 1 : 0) }
        guard let a = text(actual), let b = text(expected) else { return nil }
        if let x = PortalClock.parse(a), let y = PortalClock.parse(b) { return x < y ? -1 : (x > y ? 1 : 0) }
        return a < b ? -1 : (a > b ? 1 : 0)
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        case .string(let text):
            guard let first = text.utf8.first, (first >= 48 && first <= 57) || first == 45 else { return nil }
            return Double(text)
        default: return nil
        }
    }

    /// SQL LIKE with `%` (any run) and `_` (one character).
    static func like(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text), p = Array(pattern)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "_" || p[pi] == t[ti] { ti += 1; pi += 1 }
            else if pi < p.count, p[pi] == "%" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "%" { pi += 1 }
        return pi == p.count
    }

    /// Sort comparator for `order` maps: numbers as numbers, else text.
    static func orderedBefore(_ a: JSONValue?, _ b: JSONValue?) -> Int {
        let x = a ?? .null, y = b ?? .null
        if x.isNull && y.isNull { return 0 }
        if x.isNull { return -1 }
        if y.isNull { return 1 }
        if let c = compare(x, y) { return c }
        return 0
    }
}
