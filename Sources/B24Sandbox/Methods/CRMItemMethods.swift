import B24Wire

/// `crm.item.{fields,list,get,add,update,delete}` for entityTypeId 1–4, mapped onto the classic CRM tables with
/// camelCase names (`result.items`, `result.item`). Foreign SDKs page these with `>id` and `start=-1`.
enum CRMItemMethods {
    /// Classic UPPER names whose crm.item names are not the plain camelCase spelling.
    static let renamed: [String: String] = [
        "DATE_CREATE": "createdTime", "DATE_MODIFY": "updatedTime", "CREATED_BY_ID": "createdBy",
        "MODIFY_BY_ID": "updatedBy", "MOVED_BY_ID": "movedBy", "MOVED_TIME": "movedTime",
    ]
    static let renamedBack: [String: String] = Dictionary(uniqueKeysWithValues: renamed.map { ($0.value, $0.key) })

    static func camel(_ upper: String) -> String { renamed[upper] ?? TaskViews.camel(fromUpper: upper) }

    static func upper(_ camel: String) -> String { renamedBack[camel] ?? TaskViews.upperSnake(camel) }

    /// A classic record in crm.item shape: numbers for IDs and money, camelCase keys.
    static func item(_ record: JSONObject) -> JSONObject {
        var object = JSONObject()
        for (key, value) in record {
            let name = camel(key)
            switch value {
            case .string(let text) where key == "ID" || key.hasSuffix("_ID") || key.hasSuffix("_BY_ID") || key.hasSuffix("_BY"):
                object[name] = Int64(text).map { .int($0) } ?? value
            case .string(let text) where key == "OPPORTUNITY" || key == "TAX_VALUE":
                object[name] = Double(text).map { .double($0) } ?? value
            default:
                object[name] = value
            }
        }
        return object
    }

    static func register(into registry: inout MethodRegistry) {
        registry.add("crm.item.fields", scope: "crm") { env in
            let entity = try entityType(env)
            var fields = JSONObject()
            for field in entity.schema.fields {
                var descriptor = field.descriptor.objectValue ?? [:]
                descriptor["upperName"] = .string(field.code)
                fields[camel(field.code)] = .object(descriptor)
            }
            return MethodOutput(["fields": .object(fields)])
        }
        registry.add("crm.item.get", scope: "crm") { env in
            let entity = try entityType(env)
            let id = try itemID(env)
            guard let record = env.portal.crm.get(entity, id: id) else { throw notFound }
            return MethodOutput(["item": .object(item(record))])
        }
        registry.add("crm.item.list", scope: "crm") { env in
            let entity = try entityType(env)
            var filterObject = JSONObject()
            for (key, value) in env.param("filter")?.objectValue ?? [:] {
                let prefixLength = key.prefix { "<>=!%@".contains($0) }.count
                filterObject[String(key.prefix(prefixLength)) + upper(String(key.dropFirst(prefixLength)))] = value
            }
            var order: [(field: String, descending: Bool)] = []
            for (key, direction) in env.param("order")?.objectValue ?? [:] {
                order.append((upper(key), direction.stringValue?.uppercased() == "DESC"))
            }
            var select = env.param("select")?.arrayValue?.compactMap(\.stringValue) ?? ["*"]
            if select.isEmpty { select = ["*"] }
            let upperSelect: JSONValue = .array(select.map { name -> JSONValue in
                if name == "*" { return "*" }
                if name.lowercased().hasPrefix("uf") && name.hasSuffix("*") { return "UF_*" }
                return .string(upper(name))
            })
            let output = env.portal.crm.list(entity, filter: ListFilter(.object(filterObject)), order: order,
                                             selection: CRMStore.Selection(upperSelect), start: Paging.start(env))
            let items = (output.result.arrayValue ?? []).map { JSONValue.object(item($0.objectValue ?? [:])) }
            return MethodOutput(["items": .array(items)], total: output.total, next: output.next,
                                scanned: output.scanned)
        }
        registry.add("crm.item.add", scope: "crm") { env in
            let entity = try entityType(env)
            let fields = try upperFields(env)
            let id = env.portal.crm.add(entity, fields: fields, userID: env.caller.userID, now: env.now)
            env.portal.raiseCRMEvent(entity, "ADD", id: id, env: env)
            return MethodOutput(["item": .object(item(env.portal.crm.get(entity, id: id) ?? [:]))])
        }
        registry.add("crm.item.update", scope: "crm") { env in
            let entity = try entityType(env)
            let id = try itemID(env)
            let fields = try upperFields(env)
            guard env.portal.crm.update(entity, id: id, fields: fields, userID: env.caller.userID, now: env.now) else {
                throw notFound
            }
            env.portal.raiseCRMEvent(entity, "UPDATE", id: id, env: env)
            return MethodOutput(["item": .object(item(env.portal.crm.get(entity, id: id) ?? [:]))])
        }
        registry.add("crm.item.delete", scope: "crm") { env in
            let entity = try entityType(env)
            let id = try itemID(env)
            guard env.portal.crm.delete(entity, id: id) else { throw notFound }
            env.portal.raiseCRMEvent(entity, "DELETE", id: id, env: env)
            return MethodOutput([])  // PHP's empty array
        }
    }

    static let notFound = RestError(400, "NOT_FOUND", "Element not found")

    private static func entityType(_ env: CallEnv) throws -> CRMEntity {
        guard let value = env.param("entityTypeId")?.intValue else {
            throw RestError(400, "400", "entityTypeId is required")
        }
        guard let entity = CRMEntity(rawValue: Int(value)) else {
            throw RestError(400, "NOT_FOUND", "Smart process not found")
        }
        return entity
    }

    private static func itemID(_ env: CallEnv) throws -> Int {
        guard let id = env.param("id")?.intValue, id > 0 else { throw RestError(400, "", "ID is not defined or invalid.") }
        return Int(id)
    }

    private static func upperFields(_ env: CallEnv) throws -> JSONObject {
        guard let fields = env.param("fields")?.objectValue else { throw RestError(400, "", "Parameter 'fields' must be array.") }
        var object = JSONObject()
        for (key, value) in fields { object[upper(key)] = value }
        return object
    }
}
