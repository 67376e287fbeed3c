import B24Wire

/// `event.bind`, `event.get`, `event.unbind` (PROTOCOL §2.8): application context only.
/// `event.offline.*` read and manage the offline queues (admin and application context only).
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
            let minTimeout = env.param("options")?.member(caseInsensitive: "minTimeout")?.doubleValue ?? 1
            guard env.portal.events.bind(clientKey: env.caller.clientKey, event: event, handler: offline ? "" : handler,
                                         authType: authType, offline: offline, authConnector: connector,
                                         minTimeout: max(0, minTimeout))
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
        registerOffline(into: &registry)
    }

    private static func queue(_ env: CallEnv) -> EventStore.QueueKey {
        .init(clientKey: env.caller.clientKey, connector: env.param("auth_connector")?.stringValue ?? "")
    }

    private static func row(_ record: EventStore.OfflineRecord, listing: Bool) -> JSONValue {
        var object: JSONObject = [
            "ID": .string(String(record.id)), "TIMESTAMP_X": .string(PortalClock.iso(record.timestamp)),
            "EVENT_NAME": .string(record.event), "EVENT_DATA": record.data, "EVENT_ADDITIONAL": false,
            "MESSAGE_ID": .string(record.messageID),
        ]
        if listing {
            object["PROCESS_ID"] = .string(record.processID)
            object["ERROR"] = record.error ? "1" : "0"
        }
        return .object(object)
    }

    private static func order(_ env: CallEnv, default fallback: String) -> [(field: String, descending: Bool)] {
        var order: [(field: String, descending: Bool)] = []
        for (key, direction) in env.param("order")?.objectValue ?? [:] {
            order.append((key.uppercased(), direction.stringValue?.uppercased() == "DESC"))
        }
        return order.isEmpty ? [(fallback, false)] : order
    }

    private static func processID(_ env: CallEnv) throws -> String {
        guard let id = env.param("process_id")?.stringValue, !id.isEmpty else { throw RestError.argument("process_id") }
        return id
    }

    private static func stringSet(_ value: JSONValue?) -> Set<String>? {
        guard let value else { return nil }
        return Set((value.arrayValue ?? [value]).compactMap(\.stringValue))
    }

    private static func registerOffline(into registry: inout MethodRegistry) {
        registry.add("event.offline.get", scope: nil, appOnly: .wrongAuthType, adminOnly: true) { env in
            let clear = env.param("clear")?.boolValue ?? true
            let errors = env.param("error")?.boolValue ?? false
            let limit = Int(env.param("limit")?.intValue ?? 50)
            let (process, records) = env.portal.events.take(
                queue(env), processID: env.param("process_id")?.stringValue, errors: errors,
                filter: ListFilter(env.param("filter")), order: order(env, default: "TIMESTAMP_X"),
                limit: limit, clear: clear)
            return MethodOutput([
                "process_id": process.map { .string($0) } ?? .null,
                "events": .array(records.map { row($0, listing: false) }),
            ])
        }
        registry.add("event.offline.clear", scope: nil, appOnly: .wrongAuthType, adminOnly: true) { env in
            let process = try processID(env)
            let ids = stringSet(env.param("id")).map { Set($0.compactMap { Int($0) }) }
            env.portal.events.clear(queue(env), processID: process, ids: ids,
                                    messageIDs: ids == nil ? stringSet(env.param("message_id")) : nil)
            return MethodOutput(true)
        }
        registry.add("event.offline.error", scope: nil, appOnly: .wrongAuthType, adminOnly: true) { env in
            let process = try processID(env)
            env.portal.events.markError(queue(env), processID: process, messageIDs: stringSet(env.param("message_id")))
            return MethodOutput(true)
        }
        registry.add("event.offline.list", scope: nil, appOnly: .wrongAuthType, adminOnly: true) { env in
            let filter = ListFilter(env.param("filter"))
            let order = order(env, default: "ID")
            var records = env.portal.events.records(queue(env)).filter { record in
                filter.matches { EventStore.field(record, $0) }
            }
            records.sort { a, b in
                for key in order {
                    let c = ListFilter.orderedBefore(EventStore.field(a, key.field), EventStore.field(b, key.field))
                    if c != 0 { return key.descending ? c > 0 : c < 0 }
                }
                return a.id < b.id
            }
            return Paging.page(records.map { row($0, listing: true) }, start: Paging.start(env))
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
