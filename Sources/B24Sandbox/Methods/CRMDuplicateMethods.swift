import B24Wire

/// `crm.duplicate.findbycomm` (api-reference/crm/duplicates/crm-duplicate-find-by-comm.md): the IDs of leads,
/// contacts and companies holding any of the given phones or e-mails, as `{"LEAD": [..], "CONTACT": [..]}`.
enum CRMDuplicateMethods {
    static func register(into registry: inout MethodRegistry) {
        registry.add("crm.duplicate.findbycomm", scope: "crm") { env in
            guard let type = env.param("type")?.stringValue?.uppercased(), !type.isEmpty else {
                throw RestError(400, "Communication type is not defined", "Parameter 'type' is required.")
            }
            guard type == "PHONE" || type == "EMAIL" else {
                throw RestError(400, "Communication type '\(type)' is not supported in current context",
                                "Communication type '\(type)' is not supported in current context")
            }
            let values = (env.param("values")?.arrayValue ?? []).compactMap(\.stringValue).filter { !$0.isEmpty }
            guard !values.isEmpty else {
                throw RestError(400, "Communication values is not defined", "Parameter 'values' is required.")
            }
            let entities: [CRMEntity]
            if let name = env.param("entity_type")?.stringValue?.uppercased(), !name.isEmpty {
                guard let entity = [CRMEntity.lead, .contact, .company].first(where: { $0.name.uppercased() == name }) else {
                    throw RestError(400, "", "Entity type '\(name)' is not supported in current context")
                }
                entities = [entity]
            } else {
                entities = [.lead, .contact, .company]
            }
            var result = JSONObject()
            for entity in entities {
                let ids = env.portal.crm.findByCommunication(entity, type: type, values: Array(values.prefix(20)))
                if !ids.isEmpty { result[entity.name.uppercased()] = .array(ids.map { .int(Int64($0)) }) }
                // The portal stops at the first type with 20 or more matches.
                if ids.count >= 20 { break }
            }
            return MethodOutput(.object(result))
        }
    }
}
