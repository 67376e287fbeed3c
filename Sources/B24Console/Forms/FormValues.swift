import B24Wire
import Foundation
import TerminalKit

/// Why an input's text is not a value of its type, in words for the line next to it.
struct InputProblem: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

extension InputKind {
    /// `text` as a JSON value of this kind. Throws the reason it is not one.
    func scalar(_ raw: String) throws -> JSONValue {
        let text = raw.trimmingCharacters(in: .whitespaces)
        switch self {
        case .text, .status, .pairs, .multifield, .filter, .select, .order:
            return .string(raw)
        case .integer:
            guard let number = Int64(text) else { throw InputProblem("\"\(text)\" is not a whole number") }
            return .int(number)
        case .reference(let reference):
            guard let number = Int64(text) else {
                throw InputProblem("\"\(text)\" is not a \(reference.entity) ID; Enter looks one up by name")
            }
            return .int(number)
        case .double:
            guard let number = Double(text), number.isFinite else {
                throw InputProblem(text.contains(",") ? "\"\(text)\" is not a number (use a dot: 1.5)" : "\"\(text)\" is not a number")
            }
            return Int64(text).map(JSONValue.int) ?? .double(number)  // 10 stays 10, not 10.0
        case .money:
            guard Self.matches(text, #"^-?[0-9]+(\.[0-9]+)?(\|[A-Z]{3})?$"#) else {
                throw InputProblem("\"\(text)\" is not an amount: 1500.00 or 1500.00|USD")
            }
            return .string(text)
        case .date:
            guard Self.matches(text, #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#), Self.isCalendarDate(text) else {
                throw InputProblem("\"\(text)\" is not a date: YYYY-MM-DD, e.g. 2026-12-31")
            }
            return .string(text)
        case .datetime:
            let pattern = #"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"#
            guard Self.matches(text, pattern), Self.isCalendarDate(String(text.prefix(10))) else {
                throw InputProblem("\"\(text)\" is not a date and time: 2026-12-31T18:00:00+03:00")
            }
            return .string(text)
        case .yesNo:
            switch text.lowercased() {
            case "y", "yes", "1", "true": return "Y"
            case "n", "no", "0", "false": return "N"
            default: throw InputProblem("\"\(text)\" is not Y or N")
            }
        case .boolean:
            switch text.lowercased() {
            case "true", "y", "yes", "1": return true
            case "false", "n", "no", "0": return false
            default: throw InputProblem("\"\(text)\" is not true or false")
            }
        case .json:
            do { return try JSONParser.parse(text) } catch { throw InputProblem("not valid JSON: \(error)") }
        case .words:
            return .array(Self.words(text).map { .string($0) })
        case .choice(let choices):
            guard choices.isEmpty || choices.contains(where: { $0.id == text }) else {
                throw InputProblem("\"\(text)\" is not one of the values; Enter lists them")
            }
            return .string(text)
        }
    }

    /// The text an input shows for a value of this kind.
    func display(_ value: JSONValue) -> String {
        switch (self, value) {
        case (.yesNo, .bool(let flag)): return flag ? "Y" : "N"
        case (.json, _): return JSONWriter.compact(value)
        case (_, .string(let text)): return text
        case (_, .array(let items)): return items.map { display($0) }.joined(separator: ", ")
        case (_, .object): return JSONWriter.compact(value)
        case (_, .null): return ""
        default: return value.stringValue ?? JSONWriter.compact(value)
        }
    }

    static func words(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    /// Month 1–12 and a day that month has (2026-02-30 is not a date).
    private static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1 ... 12).contains(parts[1]) else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1)),
              let days = calendar.range(of: .day, in: .month, for: date) else { return false }
        return days.contains(parts[2])
    }
}

extension FormInput {
    /// The value to send, nil when nothing was entered. `kindOf` types a filter condition's value by its field.
    /// Not `strict`: nothing throws; text that is not a value of its type is kept as a string (the raw view and
    /// `$EDITOR` show what was typed, and it comes back as typed).
    func encoded(_ kindOf: (String) -> InputKind, strict: Bool = true) throws -> JSONValue? {
        func scalar(_ kind: InputKind, _ text: String, filter: Bool = false) throws -> JSONValue {
            do { return filter ? try kind.filterScalar(text) : try kind.scalar(text) } catch {
                if strict { throw error }
                return .string(text)
            }
        }
        if isEmpty {
            if required && strict { throw InputProblem("required") }
            return nil
        }
        switch kind {
        case .multifield:
            var items: [JSONValue] = []
            let types = FormInput.valueTypes(of: key)
            for (index, entry) in entries.enumerated() {
                let value = entry.value.text.trimmingCharacters(in: .whitespaces)
                if value.isEmpty && entry.id == nil { continue }
                if strict, !types.contains(entry.valueType) {
                    throw InputProblem("entry \(index + 1): \(entry.valueType) is not a type of \(key); one of \(types.joined(separator: ", "))")
                }
                if strict, !value.isEmpty, let problem = Self.entryProblem(key, value) { throw InputProblem("entry \(index + 1): \(problem)") }
                // An entry with an ID and an empty value deletes that entry on the portal.
                var object: JSONObject = entry.id.map { ["ID": .string($0)] } ?? [:]
                object["VALUE"] = .string(value)
                object["VALUE_TYPE"] = .string(entry.valueType)
                items.append(.object(object))
            }
            return .array(items)
        case .filter:
            var object = JSONObject()
            for condition in conditions {
                let text = condition.value.text
                let fieldKind = kindOf(condition.field)
                let value: JSONValue
                do {
                    if condition.op.takesList {
                        value = .array(try InputKind.words(text).map { try scalar(fieldKind, $0, filter: true) })
                    } else {
                        value = try scalar(fieldKind, text, filter: true)
                    }
                } catch let problem as InputProblem {
                    throw InputProblem("\(condition.op.rawValue)\(condition.field): \(problem.message)")
                }
                object[condition.op == .equal ? condition.field : condition.op.rawValue + condition.field] = value
            }
            return .object(object)
        case .select:
            return .array(picks.map { .string($0) })
        case .order:
            return .object(JSONObject(uniqueKeysWithValues: terms.map { ($0.field, .string($0.descending ? "DESC" : "ASC")) }))
        case .pairs:
            var object = JSONObject()
            for (index, line) in lines.enumerated() {
                let text = line.text.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                    if !strict { object[text] = ""; continue }
                    throw InputProblem("line \(index + 1): write KEY=VALUE, e.g. ID=5 or filter={\">ID\": 5}")
                }
                let name = text[..<equals].trimmingCharacters(in: .whitespaces)
                let raw = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                object[name] = (try? JSONParser.parse(raw)) ?? .string(raw)
            }
            return .object(object)
        default:
            if multiple {
                return .array(try InputKind.words(text.text).map { try scalar(kind, $0) })
            }
            return try scalar(kind, text.text)
        }
    }

    /// A light check of a multifield value (the portal itself accepts almost anything).
    static func entryProblem(_ key: String, _ value: String) -> String? {
        switch key.uppercased() {
        case "EMAIL":
            return value.range(of: #"^[^@\s]+@[^@\s]+$"#, options: .regularExpression) == nil ? "\"\(value)\" is not an e-mail address" : nil
        case "PHONE":
            return value.range(of: #"^\+?[0-9 ()\-]{3,}$"#, options: .regularExpression) == nil ? "\"\(value)\" is not a phone number" : nil
        default:
            return nil
        }
    }

    /// A value as the right side of `KEY=VALUE`: text as itself, unless it would read back as JSON of
    /// another type (`"5"` stays quoted, so it comes back a string).
    static func pairText(_ value: JSONValue) -> String {
        if case .string(let text) = value, (try? JSONParser.parse(text)) == nil { return text }
        return JSONWriter.compact(value)
    }

    /// Puts `value` (from JSON: the raw view, `$EDITOR`, a call from history) into the input.
    mutating func load(_ value: JSONValue) {
        switch kind {
        case .multifield:
            entries = (value.arrayValue ?? []).map { item in
                MultiEntry(valueType: item["VALUE_TYPE"]?.stringValue ?? FormInput.valueTypes(of: key)[0],
                           value: EditableText(item["VALUE"]?.stringValue ?? ""), id: item["ID"]?.stringValue)
            }
        case .filter:
            conditions = (value.objectValue ?? [:]).map { name, value in
                let (op, field) = FilterOperator.split(name)
                return FilterCondition(field: field, op: op, value: EditableText(InputKind.text.display(value)))
            }
        case .select:
            picks = (value.arrayValue ?? []).compactMap(\.stringValue)
        case .order:
            terms = (value.objectValue ?? [:]).map { OrderTerm(field: $0.key, descending: $0.value.stringValue?.uppercased() == "DESC") }
        case .pairs:
            lines = (value.objectValue ?? [:]).map { name, value in EditableText("\(name)=\(Self.pairText(value))") }
        default:
            text = EditableText(kind.display(value))
        }
    }
}

extension InputKind {
    /// A filter value: typed like the field, except that text-like kinds take any text (patterns, partial dates).
    func filterScalar(_ text: String) throws -> JSONValue {
        switch self {
        case .integer, .double, .reference, .yesNo: return try scalar(text)
        case .boolean: return try InputKind.yesNo.scalar(text)
        default: return .string(text)
        }
    }
}
