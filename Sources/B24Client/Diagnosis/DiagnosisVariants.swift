import B24Wire
import Foundation

/// Read-only variants of an empty (or failed) list call: each changes one thing, and the one that changes the count
/// names the likely mistake.
extension DiagnosisRun {
    /// At most this many variants are sent: each one is a request against the portal's bucket.
    static let variantLimit = 14

    struct Variant {
        /// What changed, as a verdict reads it: "with `1`", "without the filter".
        var label: String
        /// The condition the verdict blames ("`UF_CRM_LEAD_VIP=Y`"), nil for changes that are not about one.
        var blamed: String?
        var params: JSONObject
    }

    mutating func tryVariants() async {
        guard case .object(let params) = subject.params else { return }
        let baseline = subject.errorCode == nil ? subject.rows : nil
        if let baseline, baseline > 0 {
            add("answer", .note, "the call returned \(baseline) rows: nothing to explain about an empty list")
            return
        }
        guard subject.errorCode == nil || subject.errorCode == "EMPTY_CODE" else { return }
        let variants = await self.variants(of: params)
        guard !variants.isEmpty else {
            add("variants", .note, "no filter, start or connector to vary")
            return
        }
        // event.offline.get clears (or reserves) what it returns: its variants are asked of event.offline.list, which
        // reads the same queue and changes nothing.
        let variantMethod = Self.consumes(method) ? "event.offline.list" : method
        for variant in variants.prefix(Self.variantLimit) {
            var request = subject.request
            request.method = variantMethod
            var params = variant.params
            if variantMethod != method { for key in ["clear", "process_id", "limit"] { params[key] = nil } }
            request.params = .object(params)
            let counted: Int?
            switch await read(variantMethod, request.params, version: request.apiVersion) {
            case .success(let envelope): counted = DiagnosisSubject.rows(in: envelope)
            case .failure(let error):
                add(variant.label, .note, "the portal refused it: \(error.message)")
                continue
            }
            guard let counted else { continue }
            if counted > 0 {
                add(variant.label, .cause, "\(variant.label): \(counted) rows", params: request.params, method: variantMethod)
                if let blamed = variant.blamed {
                    conclude("\(method): the filter \(blamed) matches nothing; \(variant.label) it matches \(counted)")
                } else {
                    conclude("\(method) returns nothing as sent; \(variant.label) it returns \(counted)")
                }
            } else {
                add(variant.label, .fine, "\(variant.label): still nothing", params: request.params, method: variantMethod)
            }
        }
    }

    /// The variants worth trying, most telling first.
    mutating func variants(of params: JSONObject) async -> [Variant] {
        var variants: [Variant] = []
        let filterKey = params.keys.first { $0.lowercased() == "filter" }
        if let filterKey, case .object(let filter)? = params[filterKey], !filter.isEmpty {
            let fields = await fieldTitles()
            for (key, value) in filter {
                let shown = "`\(key)=\(Self.text(value))`"
                for other in Self.booleanSpellings(of: value) {
                    variants.append(Variant(label: "with `\(Self.text(other))`", blamed: shown,
                                            params: Self.replacing(params, filterKey, key, with: (key, other))))
                }
                let (prefix, field) = Self.splitOperator(key)
                if let code = fields[field.lowercased()], code != field {
                    variants.append(Variant(label: "with the field's code \(code) instead of its title", blamed: shown,
                                            params: Self.replacing(params, filterKey, key, with: (prefix + code, value))))
                }
                // CRM codes are upper case: "title" is not TITLE.
                for cased in [field.uppercased()] where cased != field && fields[field.lowercased()] == nil {
                    variants.append(Variant(label: "with the field written \(cased)", blamed: shown,
                                            params: Self.replacing(params, filterKey, key, with: (prefix + cased, value))))
                }
            }
            if filter.count > 1 {
                for key in filter.keys {
                    variants.append(Variant(label: "without `\(key)`", blamed: "`\(key)=\(Self.text(filter[key]!))`",
                                            params: Self.replacing(params, filterKey, key, with: nil)))
                }
            }
            var unfiltered = params
            unfiltered[filterKey] = nil
            variants.append(Variant(label: "without the filter", blamed: nil, params: unfiltered))
        }
        if let startKey = params.keys.first(where: { $0.lowercased() == "start" }), let start = params[startKey]?.intValue {
            var other = params
            other[startKey] = .int(start == -1 ? 0 : -1)
            variants.append(Variant(label: "with start \(start == -1 ? 0 : -1)", blamed: nil, params: other))
        }
        if method.lowercased().hasPrefix("event.offline.") {
            var other = params
            if let key = params.keys.first(where: { $0.lowercased() == "auth_connector" }) {
                other[key] = nil
                variants.append(Variant(label: "without auth_connector", blamed: nil, params: other))
            } else {
                add("auth_connector", .note, "no auth_connector given: the queue read is the one without a connector")
            }
        }
        return variants
    }

    /// Lower-cased titles of the entity's fields (and of user fields their labels) → field code.
    mutating func fieldTitles() async -> [String: String] {
        let lower = method.lowercased()
        let fieldsMethod: String
        var params: JSONValue = .emptyObject
        if lower.hasPrefix("crm.item.") {
            fieldsMethod = "crm.item.fields"
            params = ["entityTypeId": subject.params["entityTypeId"] ?? .null]
        } else if lower.hasPrefix("crm."), let dot = lower.lastIndex(of: ".") {
            fieldsMethod = String(lower[..<dot]) + ".fields"
        } else if lower.hasPrefix("tasks.task.") {
            fieldsMethod = "tasks.task.getFields"
        } else {
            return [:]
        }
        guard case .success(let envelope) = await read(fieldsMethod, params) else { return [:] }
        var described = envelope["result"]?.objectValue ?? [:]
        if let nested = described["fields"]?.objectValue { described = nested }
        var titles: [String: String] = [:]
        for (code, field) in described {
            for label in ["title", "listLabel", "formLabel", "filterLabel"] {
                if let text = field[label]?.stringValue, !text.isEmpty, text != code { titles[text.lowercased()] = code }
            }
        }
        return titles
    }

    /// "Y" ↔ "1", "N" ↔ "0", booleans as both: how a yes/no value is spelled elsewhere.
    static func booleanSpellings(of value: JSONValue) -> [JSONValue] {
        switch value {
        case .string("Y"), .string("y"): return ["1"]
        case .string("N"), .string("n"): return ["0"]
        case .string("1"), .int(1): return ["Y"]
        case .string("0"), .int(0): return ["N"]
        case .bool(true): return ["1", "Y"]
        case .bool(false): return ["0", "N"]
        default: return []
        }
    }

    /// ">=DATE_CREATE" → (">=", "DATE_CREATE").
    static func splitOperator(_ key: String) -> (String, String) {
        let operators = ["!=", ">=", "<=", "=%", "%=", "!%", "!@", ">", "<", "!", "=", "%", "@"]
        for op in operators where key.hasPrefix(op) { return (op, String(key.dropFirst(op.count))) }
        return ("", key)
    }

    static func text(_ value: JSONValue) -> String { value.stringValue ?? JSONWriter.compact(value) }

    /// The params with one filter condition replaced (or removed, for nil), in the same place.
    static func replacing(_ params: JSONObject, _ filterKey: String, _ key: String, with replacement: (String, JSONValue)?) -> JSONObject {
        guard case .object(let filter)? = params[filterKey] else { return params }
        var changed = JSONObject()
        for (name, value) in filter {
            if name == key {
                if let (newName, newValue) = replacement { changed[newName] = newValue }
            } else {
                changed[name] = value
            }
        }
        var result = params
        result[filterKey] = .object(changed)
        return result
    }
}
