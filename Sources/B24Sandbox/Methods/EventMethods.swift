import B24Wire

/// `event.bind`, `event.get`, `event.unbind` (PROTOCOL §2.8): application context only.
/// Delivery and the offline queue are not implemented yet.
enum EventMethods {
    static func register(into registry: inout MethodRegistry) {
        registry.add("event.bind", scope: nil, appOnly: .wrongAuthType) { env in
            let event = try eventName(env)
            let offline = env.param("event_type")?.stringValue?.lowercased() == "offline"
            let handler = env.param("handler")?.stringValue ?? ""
            if offline, !env.caller.isAdmin {
                throw RestError(403, "ACCESS_DENIED", "Access denied! Offline events binding requires administrator access rights")
            }
            if !offline, handler.isEmpty { throw RestError.argument("handler", "Handler is required") }
            var authType = 0
            if let value = env.param("auth_type"), let number = value.intValue, number != 0 {
                guard env.caller.isAdmin else {
                    throw RestError(403, "ACCESS_DENIED",
                                    "Access denied! Event binding with AUTH_TYPE requires administrator access rights")
                }
                authType = Int(number)
            }
            let connector = env.param("auth_connector")?.stringValue ?? ""
            guard env.portal.events.bind(clientKey: env.caller.clientKey, event: event, handler: offline ? "" : handler,
                                         authType: authType, offline: offline, authConnector: connector)
            else { throw RestError(400, "ERROR_CORE", "Handler already binded") }
            return MethodOutput(true)
        }
        registry.add("event.get", scope: nil, appOnly: .wrongAuthType) { env in
            let rows: [JSONValue] = env.portal.events.bindings(clientKey: env.caller.clientKey).map { binding in
                var row: JSONObject = ["event": .string(binding.event), "handler": .string(binding.handler),
                                       "auth_type": .string(String(binding.authType)), "offline": .int(binding.offline ? 1 : 0)]
                if !binding.authConnector.isEmpty { row["connector_id"] = .string(binding.authConnector) }
                return .object(row)
            }
            return MethodOutput(.array(rows))
        }
        registry.add("event.unbind", scope: nil, appOnly: .wrongAuthType) { env in
            let event = try eventName(env, mustExist: false)
            let offline = env.param("event_type")?.stringValue?.lowercased() == "offline"
            if offline, !env.caller.isAdmin { throw RestError.accessDenied }
            let handler = env.param("handler")?.stringValue ?? ""
            if !offline, handler.isEmpty { throw RestError.argument("handler", "Handler is required") }
            let authType = env.param("auth_type").flatMap { $0.stringValue == "" ? 0 : $0.intValue.map(Int.init) }
            let count = env.portal.events.unbind(clientKey: env.caller.clientKey, event: event, handler: handler,
                                                 authType: authType, offline: offline)
            return MethodOutput(["count": .int(Int64(count))])
        }
    }

    private static func eventName(_ env: CallEnv, mustExist: Bool = true) throws -> String {
        guard let name = env.param("event")?.stringValue?.uppercased(), !name.isEmpty else {
            throw RestError.argument("event")
        }
        if mustExist, !EventCatalog.names.contains(where: { $0.name == name }) {
            throw RestError(400, "ERROR_EVENT_NOT_FOUND", "Event not found")
        }
        return name
    }
}
