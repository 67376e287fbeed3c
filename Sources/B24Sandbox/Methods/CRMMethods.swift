import B24Wire

/// `crm.{lead,deal,contact,company}.{fields,add,get,list,update,delete}` (PROTOCOL §2.9).
enum CRMMethods {
    static func register(into registry: inout MethodRegistry) {
        for entity in CRMEntity.allCases {
            let prefix = "crm.\(entity.name)."
            registry.add(prefix + "fields", scope: "crm") { _ in
                var object = JSONObject()
                for field in entity.schema.fields { object[field.code] = field.descriptor }
                return MethodOutput(.object(object))
            }
            registry.add(prefix + "add", scope: "crm") { env in
                let fields = try requireFields(env)
                let id = env.portal.crm.add(entity, fields: fields, userID: env.caller.userID, now: env.now)
                env.portal.raiseCRMEvent(entity, "ADD", id: id, env: env)
                return MethodOutput(.int(Int64(id)))
            }
            registry.add(prefix + "get", scope: "crm") { env in
                let id = try requireID(env)
                guard let record = env.portal.crm.get(entity, id: id) else { throw RestError.crm("Not found") }
                return MethodOutput(.object(record))
            }
            registry.add(prefix + "update", scope: "crm") { env in
                let id = try requireID(env)
                let fields = try requireFields(env)
                guard env.portal.crm.update(entity, id: id, fields: fields, userID: env.caller.userID, now: env.now)
                else { throw RestError.crm("Not found") }
                env.portal.raiseCRMEvent(entity, "UPDATE", id: id, env: env)
                return MethodOutput(true)
            }
            registry.add(prefix + "delete", scope: "crm") { env in
                let id = try requireID(env)
                guard env.portal.crm.delete(entity, id: id) else { throw RestError.crm("Not found") }
                env.portal.raiseCRMEvent(entity, "DELETE", id: id, env: env)
                return MethodOutput(true)
            }
            registry.add(prefix + "list", scope: "crm") { env in
                let filterValue = env.param("filter")
                if let filterValue, filterValue.objectValue == nil, filterValue.stringValue != "" {
                    throw RestError.crm("Parameter 'filter' must be array.")
                }
                let orderValue = env.param("order")
                if let orderValue, orderValue.objectValue == nil, orderValue.stringValue != "" {
                    throw RestError.crm("Parameter 'order' must be array.")
                }
                var order: [(field: String, descending: Bool)] = []
                for (key, direction) in orderValue?.objectValue ?? [:] {
                    order.append((key.uppercased(), direction.stringValue?.uppercased() == "DESC"))
                }
                return env.portal.crm.list(entity, filter: ListFilter(filterValue), order: order,
                                           selection: CRMStore.Selection(env.param("select")),
                                           start: Paging.start(env))
            }
        }
    }

    private static func requireID(_ env: CallEnv) throws -> Int {
        guard let id = env.param("id")?.intValue, id > 0 else { throw RestError.crm("ID is not defined or invalid.") }
        return Int(id)
    }

    private static func requireFields(_ env: CallEnv) throws -> JSONObject {
        guard let fields = env.param("fields"), case .object(let object) = fields.objectValue.map(JSONValue.object) ?? .null
        else { throw RestError.crm("Parameter 'fields' must be array.") }
        return object
    }
}
