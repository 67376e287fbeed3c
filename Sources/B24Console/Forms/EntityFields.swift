import B24Client
import B24Wire

/// One field of a portal entity as its `…fields` method describes it (`crm.lead.fields`, `crm.item.fields`,
/// `tasks.task.getFields`): what a form needs to offer a typed input for it.
struct EntityField: Equatable, Sendable {
    /// The name sent to the portal (`TITLE`, `UF_CRM_1700000000`, `assignedById` for crm.item).
    var code: String
    /// A person's name for it; for custom (UF) fields the portal's form label, not the code.
    var title: String
    /// The portal's type name: string, integer, double, money, char, boolean, date, datetime, enumeration,
    /// crm_status, crm_multifield, user, crm_company, crm_contact, file, …
    var type: String
    var isRequired = false
    var isReadOnly = false
    var isMultiple = false
    /// The items of an enumeration (ID → VALUE).
    var items: [Choice] = []
    /// For `crm_status`: which status list (`crm.status.list` with `ENTITY_ID`) holds its values.
    var statusType: String?
    /// The value the portal uses when none is sent (tasks.task.getFields says so).
    var defaultValue: String?

    /// A custom field (`UF_…`, or `ufCrm…` in crm.item's camel case).
    var isCustom: Bool { code.hasPrefix("UF_") || code.hasPrefix("uf") }

    /// Reads a field map `{CODE: {type, isRequired, isReadOnly, isMultiple, title, formLabel, items, statusType}}`.
    /// Fields the portal marks deprecated are left out; the order is the portal's.
    static func parse(_ map: JSONValue?) -> [EntityField] {
        guard case .object(let object)? = map else { return [] }
        return object.compactMap { code, value -> EntityField? in
            guard case .object(let info) = value else { return nil }
            if info["isDeprecated"]?.boolValue == true { return nil }
            let label = [info["formLabel"], info["listLabel"], info["title"]].lazy
                .compactMap { $0?.stringValue }.first { !$0.isEmpty && $0 != code }
            var field = EntityField(code: code, title: label ?? code, type: info["type"]?.stringValue ?? "string")
            // CRM says isRequired/isReadOnly; tasks.task.getFields says required/primary (the ID).
            field.isRequired = (info["isRequired"] ?? info["required"])?.boolValue ?? false
            field.isReadOnly = (info["isReadOnly"] ?? info["primary"])?.boolValue ?? false
            field.isMultiple = info["isMultiple"]?.boolValue ?? false
            field.statusType = info["statusType"]?.stringValue
            if let value = info["default"], !value.isNull { field.defaultValue = value.stringValue ?? JSONWriter.compact(value) }
            field.items = (info["items"]?.arrayValue ?? []).compactMap { item in
                guard let id = item["ID"]?.stringValue else { return nil }
                return Choice(id: id, title: item["VALUE"]?.stringValue ?? id)
            }
            // tasks.task.getFields: `values` is {ID: title} or a plain list.
            switch info["values"] {
            case .object(let values)?: field.items = values.map { Choice(id: $0.key, title: $0.value.stringValue ?? $0.key) }
            case .array(let values)?: field.items = values.compactMap(\.stringValue).map { Choice(id: $0, title: $0) }
            default: break
            }
            return field
        }
    }
}

/// Where the values of a listed field come from: a CRM status list (`crm.status.list` with `ENTITY_ID`), or the
/// portal's currencies (`crm.currency.list`), which `crm_currency` fields take.
enum ListedValues {
    /// The status type that stands for the currency list (no CRM status list has this lower-case name).
    static let currencies = "crm_currency"

    /// The read-only call that lists the values of `type`.
    static func request(_ type: String) -> CallRequest {
        var request = type == currencies
            ? CallRequest(method: "crm.currency.list", params: ["order": ["SORT": "ASC"]])
            : CallRequest(method: "crm.status.list", params: ["filter": ["ENTITY_ID": .string(type)], "order": ["SORT": "ASC"]])
        request.recording = .none
        return request
    }

    /// The values in an answer of that call.
    static func choices(_ type: String, in result: JSONValue?) -> [Choice]? {
        let (idKey, titleKey) = type == currencies ? ("CURRENCY", "FULL_NAME") : ("STATUS_ID", "NAME")
        return result?.arrayValue?.compactMap { row -> Choice? in
            guard let id = row[idKey]?.stringValue else { return nil }
            return Choice(id: id, title: row[titleKey]?.stringValue ?? id)
        }
    }
}

/// One value of a fixed list: what is sent, and what a person reads.
struct Choice: Equatable, Sendable, Hashable {
    var id: String
    var title: String
}

/// What a method does to its entity, read from its name.
enum EntityVerb: String, Sendable {
    case add, update, list, get, delete
}

/// How a method of an entity with live field metadata is called: which call describes the fields, where the
/// values go (`fields`), and which parameter names the record (`id`, `taskId`).
struct EntityMethod: Equatable, Sendable {
    var verb: EntityVerb
    /// The call that lists the entity's fields (nil until it can be made, e.g. crm.item without entityTypeId).
    var fieldsMethod: String
    /// Parameters of that call besides the ones the form supplies (crm.item: `entityTypeId`).
    var needsEntityTypeID: Bool
    /// Where the field map sits in the answer's `result` (nil: `result` itself).
    var fieldsKey: String?
    /// The parameter of add/update that holds the values.
    var valuesParam: String
    /// The parameter that names one record (get, update, delete).
    var idParam: String
    /// The list method of the same entity (reference lookups, filter builders).
    var listMethod: String

    /// The entity method `method` is, if b24 knows how to describe its fields.
    static func of(_ method: String) -> EntityMethod? {
        let parts = method.lowercased().split(separator: ".").map(String.init)
        guard parts.count == 3, let verb = EntityVerb(rawValue: parts[2]) else { return nil }
        let base = "\(parts[0]).\(parts[1])"
        switch (parts[0], parts[1]) {
        case ("crm", "lead"), ("crm", "deal"), ("crm", "contact"), ("crm", "company"):
            return EntityMethod(verb: verb, fieldsMethod: base + ".fields", needsEntityTypeID: false, fieldsKey: nil,
                                valuesParam: "fields", idParam: "id", listMethod: base + ".list")
        case ("crm", "item"):
            return EntityMethod(verb: verb, fieldsMethod: "crm.item.fields", needsEntityTypeID: true, fieldsKey: "fields",
                                valuesParam: "fields", idParam: "id", listMethod: "crm.item.list")
        case ("tasks", "task"):
            return EntityMethod(verb: verb, fieldsMethod: "tasks.task.getFields", needsEntityTypeID: false, fieldsKey: "fields",
                                valuesParam: "fields", idParam: "taskId", listMethod: "tasks.task.list")
        default:
            return nil
        }
    }

    /// The call that describes the fields (read-only, never recorded in history: the form asks for it itself).
    func fieldsRequest(entityTypeID: Int64?) -> CallRequest? {
        var params = JSONValue.emptyObject
        if needsEntityTypeID {
            guard let entityTypeID else { return nil }
            params = ["entityTypeId": .int(entityTypeID)]
        }
        var request = CallRequest(method: fieldsMethod, params: params)
        request.recording = .none
        return request
    }

    /// The fields in an answer of `fieldsMethod`. tasks.task.getFields marks only the ID read-only and types
    /// people as integers: b24 knows which task fields hold users and which the portal keeps itself.
    func fields(in result: JSONValue?) -> [EntityField] {
        var fields = EntityField.parse(fieldsKey.map { result?[$0] } ?? result)
        if fieldsMethod == "tasks.task.getFields" {
            for index in fields.indices {
                let code = fields[index].code
                if FormModel.taskPeople.contains(code) {
                    fields[index].type = "user"
                    fields[index].isMultiple = code == "ACCOMPLICES" || code == "AUDITORS"
                }
                if FormModel.taskKeptByPortal.contains(code) { fields[index].isReadOnly = true }
            }
        }
        return fields
    }
}

/// A reference field's lookup: which list to search and how a found row reads.
struct Reference: Equatable, Sendable {
    /// `user`, `company`, `contact`.
    var entity: String

    /// The reference a portal field type points at.
    init?(fieldType: String) {
        switch fieldType {
        case "user", "employee": entity = "user"
        case "crm_company": entity = "company"
        case "crm_contact": entity = "contact"
        default: return nil
        }
    }

    init(entity: String) { self.entity = entity }

    /// The read-only search call for `text` (first 20 hits).
    func searchRequest(_ text: String) -> CallRequest {
        var request: CallRequest
        switch entity {
        case "user":
            request = CallRequest(method: "user.search", params: ["FILTER": ["FIND": .string(text)]])
        case "company":
            request = CallRequest(method: "crm.company.list", params: [
                "filter": ["%TITLE": .string(text)], "select": ["ID", "TITLE"], "order": ["ID": "DESC"]])
        default:
            request = CallRequest(method: "crm.contact.list", params: [
                "filter": ["%LAST_NAME": .string(text)], "select": ["ID", "NAME", "LAST_NAME"], "order": ["ID": "DESC"]])
        }
        request.recording = .none
        return request
    }

    /// The hits of a search answer as choices (ID and a readable name).
    func choices(in result: JSONValue?) -> [Choice] {
        (result?.arrayValue ?? []).prefix(50).compactMap { row in
            guard let id = row["ID"]?.stringValue else { return nil }
            let name = ["TITLE", "NAME", "LAST_NAME"].compactMap { row[$0]?.stringValue }.filter { !$0.isEmpty }
                .joined(separator: " ")
            return Choice(id: id, title: name.isEmpty ? "#\(id)" : name)
        }
    }
}
