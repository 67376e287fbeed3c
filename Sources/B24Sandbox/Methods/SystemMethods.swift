import B24Wire

/// Discovery and directory methods (PROTOCOL §2.11).
enum SystemMethods {
    static func register(into registry: inout MethodRegistry) {
        registry.add("user.current", scope: "user") { env in
            guard let user = env.portal.directory.userObject(env.caller.userID) else { throw RestError.noAuth }
            return MethodOutput(.object(user))
        }
        // Scope-free, as on the portal: true when the caller is an administrator.
        registry.add("user.admin", scope: nil) { env in MethodOutput(.bool(env.caller.isAdmin)) }
        registry.add("user.get", scope: "user", userGet)
        registry.add("user.search", scope: "user", userSearch)
        registry.add("department.get", scope: "department", departmentGet)
        registry.add("profile", scope: nil) { env in
            guard let user = env.portal.directory.user(env.caller.userID) else { throw RestError.noAuth }
            return MethodOutput([
                "ID": .string(String(user.id)), "ADMIN": .bool(user.admin), "NAME": .string(user.name),
                "LAST_NAME": .string(user.lastName), "PERSONAL_GENDER": .string(user.gender), "TIME_ZONE": "",
            ])
        }
        registry.add("server.time", scope: nil) { env in MethodOutput(.string(PortalClock.iso(env.now))) }
        registry.add("scope", scope: nil) { env in
            let full = env.param("full")?.boolValue ?? false
            if full { return MethodOutput(.array(Portal.allScopes.map { .string($0) })) }
            let granted = env.caller.scopes.map { Array($0).sorted() } ?? Portal.allScopes
            return MethodOutput(.array(granted.map { .string($0) }))
        }
        registry.add("methods", scope: nil) { env in
            let registry = env.portal.registry
            let full = env.param("full")?.boolValue ?? false
            let scopeFilter = env.param("scope")?.stringValue?.lowercased()
            let names = registry.names.filter { name in
                guard let def = registry[name] else { return false }
                if let scopeFilter { return (def.scope ?? "basic") == scopeFilter }
                return full || def.scope.map { env.caller.allows(scope: $0) } ?? true
            }
            return MethodOutput(.array(names.map { .string($0) }))
        }
        registry.add("method.get", scope: nil) { env in
            let name = env.param("name")?.stringValue?.lowercased() ?? ""
            guard !name.isEmpty, let def = env.portal.registry[name] else {
                return MethodOutput(["isExisting": false, "isAvailable": false])
            }
            let available = def.scope.map { env.caller.allows(scope: $0) } ?? true
            return MethodOutput(["isExisting": true, "isAvailable": .bool(available)])
        }
        registry.add("feature.get", scope: nil) { env in
            guard let code = env.param("CODE")?.stringValue, !code.isEmpty else {
                throw RestError(400, "CODE_EMPTY", "CODE can't be empty")
            }
            let known: Set<String> = ["rest_offline_extended", "rest_auth_connector"]
            return MethodOutput(["value": known.contains(code.lowercased()) ? "Y" : "N"])
        }
        registry.add("app.info", scope: nil, appOnly: .accessDenied) { env in
            MethodOutput([
                "ID": 1, "CODE": .string(env.portal.identity.clientID), "VERSION": 1, "STATUS": "L",
                "INSTALLED": true, "PAYMENT_EXPIRED": "N", "DAYS": nil, "LANGUAGE_ID": "en",
                "LICENSE": "en_ent250", "LICENSE_TYPE": "ent250", "LICENSE_FAMILY": "ent",
            ])
        }
        registry.add("events", scope: nil) { env in
            let scope = env.param("SCOPE")?.stringValue?.lowercased()
            let names = EventCatalog.names.filter { scope == nil || $0.scope == scope }.map { JSONValue.string($0.name) }
            return MethodOutput(.array(names))
        }
    }

    private static func userGet(_ env: CallEnv) throws -> MethodOutput { try users(env, find: nil) }

    /// `user.search`: `user.get` plus `FIND`, a quick search over the name, last name and position.
    private static func userSearch(_ env: CallEnv) throws -> MethodOutput {
        let find = env.param("FILTER")?["FIND"]?.stringValue ?? env.param("FIND")?.stringValue
        return try users(env, find: find?.trimmingCharacters(in: .whitespaces).lowercased())
    }

    private static func users(_ env: CallEnv, find: String?) throws -> MethodOutput {
        var filterObject = env.param("FILTER")?.objectValue ?? [:]
        filterObject.removeValue(forKey: "FIND")
        let reserved: Set<String> = ["FILTER", "SORT", "ORDER", "ADMIN_MODE", "SELECT", "IMAGE_RESIZE", "START", "AUTH", "FIND"]
        for (key, value) in env.params.objectValue ?? [:] where !reserved.contains(key.uppercased()) {
            filterObject[key] = value
        }
        let filter = ListFilter(.object(filterObject))
        let directory = env.portal.directory
        var users = directory.users.compactMap { user -> JSONObject? in
            guard let object = directory.userObject(user.id) else { return nil }
            guard filter.matches({ object[$0] }) else { return nil }
            if let find, !find.isEmpty {
                let words = ["NAME", "LAST_NAME", "SECOND_NAME", "WORK_POSITION"].compactMap { object[$0]?.stringValue?.lowercased() }
                guard words.contains(where: { $0.contains(find) }) || words.joined(separator: " ").contains(find) else { return nil }
            }
            return object
        }
        let sortField = (env.param("sort")?.stringValue ?? "ID").uppercased()
        let descending = env.param("order")?.stringValue?.uppercased() == "DESC"
        users.sort { a, b in
            let c = ListFilter.orderedBefore(a[sortField], b[sortField])
            return descending ? c > 0 : c < 0
        }
        return Paging.page(users.map { .object($0) }, start: Paging.start(env))
    }

    private static func departmentGet(_ env: CallEnv) throws -> MethodOutput {
        var conditions: [ListFilter.Condition] = []
        // Filter fields are upper case and the sort options lower case (`SORT` filters, `sort` sorts), so
        // these keys are matched exactly rather than case-insensitively.
        for key in ["ID", "NAME", "SORT", "PARENT", "UF_HEAD"] {
            if let value = env.params[key], !value.isNull { conditions.append(.init(op: .equal, field: key, value: value)) }
        }
        let filter = ListFilter(conditions: conditions)
        var rows: [JSONObject] = env.portal.directory.departments.map { department in
            var row: JSONObject = ["ID": .string(String(department.id)), "NAME": .string(department.name),
                                   "SORT": .int(Int64(department.sort))]
            if let parent = department.parent { row["PARENT"] = .string(String(parent)) }
            if let head = department.head { row["UF_HEAD"] = .string(String(head)) }
            return row
        }
        rows = rows.filter { row in filter.matches { row[$0] } }
        let sortField = (env.params["sort"]?.stringValue ?? "ID").uppercased()
        let descending = env.params["order"]?.stringValue?.uppercased() == "DESC"
        rows.sort { a, b in
            let c = ListFilter.orderedBefore(a[sortField], b[sortField])
            return descending ? c > 0 : c < 0
        }
        return Paging.page(rows.map { .object($0) }, start: Paging.start(env))
    }
}

/// Event names the portal knows, with their scope (for `events`).
enum EventCatalog {
    static let names: [(name: String, scope: String?)] = {
        var list: [(String, String?)] = [
            ("ONAPPUNINSTALL", nil), ("ONAPPINSTALL", nil), ("ONAPPUPDATE", nil), ("ONAPPPAYMENT", nil),
            ("ONAPPTEST", nil), ("ONAPPMETHODCONFIRM", nil), ("ONOFFLINEEVENT", nil), ("ONUSERADD", "user"),
        ]
        for entity in ["LEAD", "DEAL", "CONTACT", "COMPANY"] {
            for action in ["ADD", "UPDATE", "DELETE"] { list.append(("ONCRM\(entity)\(action)", "crm")) }
        }
        for action in ["ADD", "UPDATE", "DELETE"] { list.append(("ONTASK\(action)", "task")) }
        list.append(("ONIMBOTMESSAGEADD", "imbot"))
        return list
    }()
}
