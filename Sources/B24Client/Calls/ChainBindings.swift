import B24Wire
import Foundation

/// What a chain run carries from one step to the next: the ids earlier steps made or found ("the new lead's ID
/// flows into the next step"), and how a later step's parameters are prefilled from them. Pure: the console's chain
/// runner (and any other front end) asks it for a step's starting parameters.
public struct ChainBindings: Sendable, Equatable, Hashable {
    /// Ids by entity: "lead", "deal", "contact", "company", "task".
    public private(set) var ids: [String: String] = [:]
    /// The title an added entity was given, for a duplicate check by title.
    public private(set) var titles: [String: String] = [:]
    /// The offline queue's reservation, from event.offline.get: its process and the message ids it returned.
    public private(set) var offlineProcess: (id: String, messages: [String])?

    public init() {}

    public static func == (a: ChainBindings, b: ChainBindings) -> Bool {
        a.ids == b.ids && a.titles == b.titles && a.offlineProcess?.id == b.offlineProcess?.id
            && a.offlineProcess?.messages == b.offlineProcess?.messages
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ids)
        hasher.combine(titles)
        hasher.combine(offlineProcess?.id)
    }

    /// Learns from a step's call: what it sent and the envelope the portal answered.
    public mutating func learn(method: String, params: JSONValue, envelope: JSONValue) {
        let lower = method.lowercased()
        let result = envelope["result"]
        if let entity = Self.crmEntity(lower) {
            if lower.hasSuffix(".add"), let id = Self.idText(result) {
                ids[entity] = id
                if let title = params["fields"]?["TITLE"]?.stringValue { titles[entity] = title }
            } else if lower.hasSuffix(".list"), ids[entity] == nil, let first = result?.arrayValue?.first, let id = Self.idText(first["ID"]) {
                ids[entity] = id
            } else if lower.hasSuffix(".get"), let id = Self.idText(result?["ID"]) {
                ids[entity] = id
            }
        } else if lower.hasPrefix("tasks.task.") {
            let task = result?["task"]
            if let id = Self.idText(task?["id"]) { ids["task"] = id }
            if lower == "tasks.task.list", ids["task"] == nil, let first = result?["tasks"]?.arrayValue?.first,
               let id = Self.idText(first["id"]) { ids["task"] = id }
        } else if lower == "event.offline.get", let process = result?["process_id"]?.stringValue {
            let messages = (result?["events"]?.arrayValue ?? []).compactMap { $0["MESSAGE_ID"]?.stringValue }
            offlineProcess = (process, messages)
        }
    }

    /// The starting parameters of a step's method, from what earlier steps brought; empty when nothing applies.
    public func prefill(_ method: String) -> JSONObject {
        let lower = method.lowercased()
        var params = JSONObject()
        if let entity = Self.crmEntity(lower) {
            let verb = lower.split(separator: ".").last.map(String.init) ?? ""
            switch verb {
            case "get", "update", "delete":
                if let id = ids[entity] { params["id"] = .string(id) }
                if verb == "update" { params["fields"] = .object([:]) }
            case "list":
                // After an add: the same entity's possible duplicates (same title, another id).
                if let id = ids[entity] {
                    var filter: JSONObject = ["!ID": .string(id)]
                    if let title = titles[entity] { filter["TITLE"] = .string(title) }
                    params["filter"] = .object(filter)
                }
            case "add":
                var fields = JSONObject()
                for (key, field) in Self.links[entity] ?? [] { if let id = ids[key] { fields[field] = .string(id) } }
                if !fields.isEmpty { params["fields"] = .object(fields) }
            default: break
            }
        } else if lower.hasPrefix("tasks.task.") {
            switch lower {
            case "tasks.task.get", "tasks.task.update", "tasks.task.delete", "tasks.task.complete":
                if let id = ids["task"] { params["taskId"] = .string(id) }
            case "tasks.task.add":
                // A task points at the CRM record it is about: D_ for a deal, L_ for a lead, as UF_CRM_TASK wants.
                let links = [("deal", "D_"), ("lead", "L_"), ("contact", "C_"), ("company", "CO_")].compactMap { key, prefix in
                    ids[key].map { JSONValue.string(prefix + $0) }
                }
                if !links.isEmpty { params["fields"] = ["UF_CRM_TASK": .array(links)] }
            default: break
            }
        } else if lower == "event.offline.clear", let process = offlineProcess {
            params["process_id"] = .string(process.id)
            params["message_id"] = .array(process.messages.map { .string($0) })
        }
        return params
    }

    /// Which earlier entities a new one points at, and through which field.
    static let links: [String: [(String, String)]] = [
        "deal": [("lead", "LEAD_ID"), ("company", "COMPANY_ID"), ("contact", "CONTACT_ID")],
        "contact": [("lead", "LEAD_ID"), ("company", "COMPANY_ID")],
        "company": [("lead", "LEAD_ID")],
        "lead": [("company", "COMPANY_ID"), ("contact", "CONTACT_ID")],
    ]

    /// What a step's method would take from an earlier step but no earlier step brought (it was skipped, failed,
    /// or the chain starts there): said when its form opens, so the user fills it by hand.
    public func missing(_ method: String) -> String? {
        let lower = method.lowercased()
        if let entity = Self.crmEntity(lower), ["get", "update", "delete"].contains(lower.split(separator: ".").last.map(String.init) ?? ""),
           ids[entity] == nil {
            return "no \(entity) id from an earlier step: fill id"
        }
        if ["tasks.task.get", "tasks.task.update", "tasks.task.delete", "tasks.task.complete"].contains(lower), ids["task"] == nil {
            return "no task id from an earlier step: fill taskId"
        }
        if lower == "event.offline.clear", offlineProcess == nil { return "no process_id from event.offline.get: fill it" }
        return nil
    }

    /// "crm.lead.add" → "lead" (crm.item.* and other crm methods are not entity-bound here).
    static func crmEntity(_ method: String) -> String? {
        let parts = method.split(separator: ".")
        guard parts.count == 3, parts[0] == "crm", ["lead", "deal", "contact", "company"].contains(parts[1]) else { return nil }
        return String(parts[1])
    }

    /// An id as text: a number or a numeric string.
    static func idText(_ value: JSONValue?) -> String? {
        switch value {
        case .int(let number)?: return String(number)
        case .string(let text)? where Int(text) != nil: return text
        default: return nil
        }
    }
}
