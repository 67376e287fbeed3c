import B24Wire
import Foundation
import TerminalKit

/// How an input takes its value, chosen from the portal's field type or the method spec's parameter type.
enum InputKind: Equatable, Sendable {
    case text, integer, double, date, datetime
    /// `150.00` or `150.00|USD`.
    case money
    /// `Y` / `N` (CRM `char` and `boolean` fields).
    case yesNo
    /// JSON `true` / `false` (spec parameters of type boolean).
    case boolean
    /// Any JSON (objects, arrays, files).
    case json
    /// Comma-separated words sent as a JSON array (`select` without field metadata).
    case words
    /// One of fixed values (enumeration items).
    case choice([Choice])
    /// A `crm_status` field: its values come from `crm.status.list` for this status type.
    case status(String)
    /// An ID of a user, company or contact, found by a lookup.
    case reference(Reference)
    /// PHONE / EMAIL / WEB / IM: several entries, each a value and a value type.
    case multifield
    /// `filter` of a list method: conditions of field, operator and value.
    case filter
    /// `select` of a list method: fields picked from the portal's list.
    case select
    /// `order` of a list method: fields with ASC / DESC.
    case order
    /// `KEY=VALUE` lines for a method nothing is known of (a value that parses as JSON is sent as JSON).
    case pairs

    /// A word for the type column.
    var label: String {
        switch self {
        case .text: return "text"
        case .integer: return "integer"
        case .double: return "number"
        case .date: return "date"
        case .datetime: return "datetime"
        case .money: return "money"
        case .yesNo: return "Y/N"
        case .boolean: return "true/false"
        case .json: return "JSON"
        case .words: return "list"
        case .choice: return "choice"
        case .status: return "status"
        case .reference(let reference): return reference.entity
        case .multifield: return "entries"
        case .filter: return "filter"
        case .select: return "fields"
        case .order: return "order"
        case .pairs: return "key=value"
        }
    }

    /// Kinds whose rows are typed into as text.
    var takesText: Bool {
        switch self {
        case .text, .integer, .double, .date, .datetime, .money, .json, .words, .reference: return true
        default: return false
        }
    }
}

/// One entry of a multifield (a phone, an e-mail…).
struct MultiEntry: Equatable, Sendable {
    var valueType: String
    var value = EditableText()
    /// The entry's ID on the portal (kept when the JSON names one: an update changes that entry).
    var id: String?
}

/// A filter operator, written as a prefix of the field name (`>=DATE_CREATE`).
enum FilterOperator: String, CaseIterable, Sendable {
    case equal = "=", not = "!", greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    case contains = "%", inList = "@", notInList = "!@", notContains = "!%", notEqual = "!=", like = "=%"

    /// What it means, for the operator picker.
    var meaning: String {
        switch self {
        case .equal: return "equals"
        case .not: return "is not"
        case .greater: return "greater than"
        case .greaterOrEqual: return "greater than or equal"
        case .less: return "less than"
        case .lessOrEqual: return "less than or equal"
        case .contains: return "contains (substring)"
        case .inList: return "one of (comma-separated)"
        case .notInList: return "none of (comma-separated)"
        case .notContains: return "does not contain"
        case .notEqual: return "not equal (exact)"
        case .like: return "matches a LIKE pattern"
        }
    }

    /// The operator a filter key starts with, and the field after it (longest prefix first: `>=` before `>`).
    static func split(_ key: String) -> (FilterOperator, String) {
        let byLength = allCases.sorted { $0.rawValue.count > $1.rawValue.count }
        for op in byLength where key.hasPrefix(op.rawValue) && key.count > op.rawValue.count {
            return (op, String(key.dropFirst(op.rawValue.count)))
        }
        return (.equal, key)
    }

    /// Operators whose value is a list.
    var takesList: Bool { self == .inList || self == .notInList }
}

/// One condition of a filter builder.
struct FilterCondition: Equatable, Sendable {
    var field: String
    var op: FilterOperator
    var value = EditableText()
}

/// One term of an order picker.
struct OrderTerm: Equatable, Sendable {
    var field: String
    var descending = false
}

/// One input of a form: where its value goes in the parameters, what it is, and what has been entered.
struct FormInput: Equatable, Sendable {
    /// The parameter or field name.
    var key: String
    /// The object parameter it sits in (`fields`), nil at the top level.
    var parent: String?
    var title: String
    /// A short help line (the spec's description, the portal's type).
    var note: String
    var kind: InputKind
    var required = false
    /// Several values, comma-separated (an `isMultiple` field that is not a multifield).
    var multiple = false
    var text = EditableText()
    var entries: [MultiEntry] = []
    var conditions: [FilterCondition] = []
    var picks: [String] = []
    var terms: [OrderTerm] = []
    /// `KEY=VALUE` lines of a ``InputKind/pairs`` input.
    var lines: [EditableText] = []
    /// Shown as the placeholder (the spec's example).
    var example: String?
    /// Set by validation; drawn next to the input.
    var error: String?

    init(key: String, parent: String? = nil, title: String? = nil, note: String = "", kind: InputKind,
         required: Bool = false, multiple: Bool = false, example: String? = nil)
    {
        self.key = key
        self.parent = parent
        self.title = title ?? key
        self.note = note
        self.kind = kind
        self.required = required
        self.multiple = multiple
        self.example = example
    }

    /// Where the value goes, e.g. `fields.TITLE`.
    var path: String { parent.map { "\($0).\(key)" } ?? key }

    /// Nothing entered.
    var isEmpty: Bool {
        switch kind {
        case .multifield: return entries.allSatisfy { $0.value.text.trimmingCharacters(in: .whitespaces).isEmpty && $0.id == nil }
        case .filter: return conditions.isEmpty
        case .select: return picks.isEmpty
        case .order: return terms.isEmpty
        case .pairs: return lines.allSatisfy { $0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        default: return text.text.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }

    /// Value types a multifield entry may have (the portal's VALUE_TYPE list).
    static func valueTypes(of key: String) -> [String] {
        switch key.uppercased() {
        case "PHONE": return ["WORK", "MOBILE", "HOME", "FAX", "PAGER", "MAILING", "OTHER"]
        case "EMAIL": return ["WORK", "HOME", "MAILING", "OTHER"]
        case "WEB": return ["WORK", "HOME", "FACEBOOK", "VK", "LIVEJOURNAL", "TWITTER", "OTHER"]
        default: return ["TELEGRAM", "WHATSAPP", "VIBER", "SKYPE", "FACEBOOK", "IMOL", "OTHER"]
        }
    }
}
