import B24Wire

/// REST 3.0 tasks (`tasks.task.*` on `/rest/api/`), plus `rest.documentation.openapi` and `rest.scope.list`
/// (PROTOCOL §2.10, §2.13): camelCase in and out, word enums, `result.item`/`items`/`result`.
enum TaskV3Methods {
    static func register(into registry: inout V3Registry) {
        registry.add("tasks.task.add", scope: "task", mutating: true, summary: "Creates a task") { env in
            guard let fields = env.params["fields"] else { throw V3Error.required("fields") }
            guard let object = fields.objectValue, case .object = fields else { throw V3Error.type("fields", "array") }
            var missing: [(String, String)] = []
            for name in ["title", "creatorId", "responsibleId"] where object[name] == nil || object[name]!.isNull {
                missing.append((name, "Required field `\(name)` is not specified"))
            }
            if !missing.isEmpty {
                throw V3Error(400, "VALIDATION_REQUESTVALIDATIONEXCEPTION", "Error during request object validation",
                              validation: missing.map { (field: $0.0, message: $0.1) })
            }
            var draft = TaskRecord(id: 0, title: "", createdBy: env.caller.userID, responsibleID: env.caller.userID,
                                   createdDate: env.now, changedDate: env.now, changedBy: env.caller.userID,
                                   statusChangedDate: env.now, guid: "")
            try apply(object, to: &draft, env: env, creating: true)
            var random = SeededRandom(seed: UInt64(bitPattern: Int64(env.now * 1000)) ^ 0x3A5C)
            let guid = TaskStore.guid(&random)
            let task = env.portal.tasks.add { id in
                var task = draft
                task.id = id
                task.guid = guid
                return task
            }
            env.portal.raiseTaskEvent("ONTASKADD", id: task.id, env: env)
            return ["item": .object(TaskViews.v3(task, now: env.now))]
        }
        registry.add("tasks.task.get", scope: "task", summary: "Returns a task by id") { env in
            let id = try requireID(env)
            let select = try Select(env.params["select"])
            guard let task = env.portal.tasks.get(id) else { throw notFound(id) }
            return ["item": .object(render(task, select: select, list: false, env: env))]
        }
        registry.add("tasks.task.update", scope: "task", mutating: true, summary: "Changes a task") { env in
            let id = try requireID(env)
            guard let fields = env.params["fields"] else { throw V3Error.required("fields") }
            guard let object = fields.objectValue, case .object = fields else { throw V3Error.type("fields", "array") }
            if object["creatorId"] != nil {
                throw V3Error.validation("creatorId", "In DTO `TaskDto`, the field `creatorId` requires the presence "
                                         + "of the `Editable` attribute for such a request")
            }
            guard env.portal.tasks.get(id) != nil else { throw notFound(id) }
            _ = try env.portal.tasks.update(id) { task in
                let before = task.status
                try apply(object, to: &task, env: env, creating: false)
                task.changedDate = env.now
                task.changedBy = env.caller.userID
                if task.status != before {
                    task.statusChangedDate = env.now
                    task.statusChangedBy = env.caller.userID
                    task.closedDate = task.status == 5 ? env.now : nil
                    task.closedBy = task.status == 5 ? env.caller.userID : nil
                }
            }
            env.portal.raiseTaskEvent("ONTASKUPDATE", id: id, env: env)
            return ["result": true]
        }
        registry.add("tasks.task.delete", scope: "task", mutating: true, summary: "Deletes a task") { env in
            let id = try requireID(env)
            // The documented answer for a task that is gone or hidden.
            guard env.portal.tasks.delete(id) else { throw V3Error(400, "ACCESSDENIEDEXCEPTION", "Access denied") }
            env.portal.raiseTaskEvent("ONTASKDELETE", id: id, env: env)
            return ["result": true]
        }
        registry.add("tasks.task.list", scope: "task", summary: "Lists tasks") { env in
            let select = try Select(env.params["select"])
            let filter = try Filter.parse(env.params["filter"])
            let order = try parseOrder(env.params["order"])
            let (offset, limit) = try pagination(env.params["pagination"])
            var tasks = env.portal.tasks.all().filter { filter.matches($0) }
            if let (field, descending) = order {
                tasks.sort { a, b in
                    let c = ListFilter.orderedBefore(sortKey(a, field), sortKey(b, field))
                    if c != 0 { return descending ? c > 0 : c < 0 }
                    return descending ? a.id > b.id : a.id < b.id
                }
            }
            let page = offset < tasks.count ? tasks[offset..<min(tasks.count, offset + limit)] : []
            return ["items": .array(page.map { .object(render($0, select: select, list: true, env: env)) })]
        }
        registry.add("rest.documentation.openapi", scope: nil, summary: "OpenAPI description of REST 3.0") { env in
            openAPI(env.portal)
        }
        registry.add("documentation", scope: nil, summary: "Alias of rest.documentation.openapi") { env in
            openAPI(env.portal)
        }
        registry.add("rest.scope.list", scope: nil, summary: "Scopes of the REST 3.0 methods") { env in
            let items = env.portal.v3.sorted.map { method -> JSONValue in
                ["method": .string(method.name), "scope": .string(method.scope ?? "basic")]
            }
            return ["items": .array(items)]
        }
    }

    // MARK: Parameters

    static func notFound(_ id: Int) -> V3Error {
        V3Error(400, "ENTITYNOTFOUNDEXCEPTION", "Record with ID = `\(id)` not found")
    }

    static func requireID(_ env: CallEnv) throws -> Int {
        guard let value = env.params["id"], !value.isNull else { throw V3Error.required("id") }
        guard case .int(let id) = value else { throw V3Error.type("id", "int") }
        return Int(id)
    }

    static func apply(_ fields: JSONObject, to task: inout TaskRecord, env: CallEnv, creating: Bool) throws {
        let directory = env.portal.directory
        func int(_ name: String, _ value: JSONValue) throws -> Int {
            guard case .int(let number) = value else { throw V3Error.type(name, "int") }
            return Int(number)
        }
        func date(_ name: String, _ value: JSONValue) throws -> Double? {
            if value.isNull { return nil }
            guard let text = value.stringValue, let unix = PortalClock.parse(text) else {
                throw V3Error.type(name, "DateTime")
            }
            return unix
        }
        func ids(_ name: String, _ value: JSONValue) throws -> [Int] {
            guard let items = value.arrayValue else { throw V3Error.type(name, "array") }
            return try items.map { try int(name, $0) }
        }
        for (key, value) in fields {
            switch key {
            case "title":
                guard let title = value.stringValue, case .string = value else { throw V3Error.type(key, "string") }
                guard !title.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw V3Error.validation(key, "Task title is not specified")
                }
                task.title = title
            case "description":
                guard case .string(let text) = value else { throw V3Error.type(key, "string") }
                task.description = text
            case "creatorId", "responsibleId":
                let id = try int(key, value)
                guard directory.user(id) != nil else {
                    throw V3Error.validation(key, key == "creatorId" ? "User specified in the \"Creator\" field not found"
                                             : "User specified in the \"Executor\" field not found")
                }
                if key == "creatorId" { task.createdBy = id } else { task.responsibleID = id }
            case "deadline": task.deadline = try date(key, value)
            case "startPlan": task.startDatePlan = try date(key, value)
            case "endPlan": task.endDatePlan = try date(key, value)
            case "priority":
                guard let word = value.stringValue, let level = TaskViews.priorityWords.first(where: { $0.value == word })?.key
                else { throw V3Error.validation(key, "Field `priority` has an invalid value") }
                task.priority = level
            case "status":
                guard let word = value.stringValue, let status = TaskViews.statusWords.first(where: { $0.value == word })?.key
                else { throw V3Error.validation(key, "Field `status` has an invalid value") }
                task.status = status
            case "mark":
                switch value.stringValue {
                case "positive": task.mark = "P"
                case "negative": task.mark = "N"
                case "none", nil: task.mark = nil
                default: throw V3Error.validation(key, "Field `mark` has an invalid value")
                }
            case "crmItemIds":
                guard let items = value.arrayValue else { throw V3Error.type(key, "array") }
                task.crm = items.compactMap(\.stringValue)
            case "parentId":
                let parent = value.isNull ? 0 : try int(key, value)
                if parent == task.id, !creating { throw V3Error.validation(key, "Cannot bind the node to itself") }
                task.parentID = parent == 0 ? nil : parent
            case "groupId": task.groupID = value.isNull ? 0 : try int(key, value)
            case "needsControl":
                guard case .bool(let flag) = value else { throw V3Error.type(key, "bool") }
                task.taskControl = flag
            case "auditorIds": task.auditors = try ids(key, value)
            case "accompliceIds": task.accomplices = try ids(key, value)
            case "tags":
                guard let items = value.arrayValue else { throw V3Error.type(key, "array") }
                task.tags = items.compactMap(\.stringValue)
            default: break  // unknown or read-only fields are ignored
            }
        }
    }

    /// `select`: plain TaskDto fields and dotted relations (`responsible.name`).
    struct Select {
        var plain: [String] = []
        var relations: [(name: String, fields: [String])] = []
        /// Whether the request named a select at all (`"select": []` asks for `id` only).
        var given = false
        var isEmpty: Bool { plain.isEmpty && relations.isEmpty }

        init(_ value: JSONValue?) throws {
            guard let value, !value.isNull else { return }
            given = true
            guard let items = value.arrayValue else {
                throw V3Error(400, "INVALIDSELECTEXCEPTION", "Unable to recognize the select parameter")
            }
            for item in items {
                guard let name = item.stringValue else {
                    throw V3Error(400, "INVALIDSELECTEXCEPTION", "Unable to recognize the select parameter")
                }
                let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { plain.append(name); continue }
                let known: [String]?
                let entity: String
                if TaskViews.userRelations.contains(parts[0]) {
                    known = TaskViews.userDtoFields
                    entity = "UserDto"
                } else if parts[0] == "group" {
                    known = ["id", "name"]
                    entity = "GroupDto"
                } else {
                    known = nil  // unknown relation: an unknown field of the task itself, silently omitted
                    entity = ""
                }
                guard let known else { continue }
                guard known.contains(parts[1]) else {
                    throw V3Error(400, "UNKNOWNDTOPROPERTYEXCEPTION", "Unknown field `\(parts[1])` for entity `\(entity)`")
                }
                if let index = relations.firstIndex(where: { $0.name == parts[0] }) {
                    relations[index].fields.append(parts[1])
                } else {
                    relations.append((parts[0], [parts[1]]))
                }
            }
        }
    }

    /// Lists return only `id` without a select; `get` returns the whole TaskDto when no select is given, and
    /// only `id` for a select without fields.
    static func render(_ task: TaskRecord, select: Select, list: Bool, env: CallEnv) -> JSONObject {
        let full = TaskViews.v3(task, now: env.now)
        var object: JSONObject
        if !select.given, !list {
            object = full
        } else {
            object = ["id": .int(Int64(task.id))]
            for name in select.plain { if let value = full[name] { object[name] = value } }
        }
        for relation in select.relations {
            var related = JSONObject()
            if relation.name == "group" {
                let group: JSONObject = ["id": .int(Int64(task.groupID)), "name": task.groupID == 0 ? nil : "Sandbox project"]
                for field in relation.fields { related[field] = group[field] ?? .null }
            } else {
                let user = TaskViews.userDto(relation.name == "creator" ? task.createdBy : task.responsibleID,
                                             directory: env.portal.directory)
                for field in relation.fields { related[field] = user[field] ?? .null }
            }
            object[relation.name] = .object(related)
        }
        return object
    }

    /// REST 3.0 filter: `[field, op, value]`, `[field, value]` and `{"logic":"or"|"and","conditions":[...]}`.
    indirect enum Filter {
        case all([Filter])
        case any([Filter])
        case condition(op: String, value: JSONValue)

        static let operators: Set<String> = ["=", "!=", ">", ">=", "<", "<=", "in", "between"]

        static func parse(_ value: JSONValue?) throws -> Filter {
            guard let value, !value.isNull else { return .all([]) }
            guard let items = value.arrayValue else { throw invalid }
            return .all(try items.map(parseItem))
        }

        static let invalid = V3Error(400, "INVALIDFILTEREXCEPTION", "Unable to recognize the filter parameter")

        private static func parseItem(_ item: JSONValue) throws -> Filter {
            if case .object(let group) = item {
                let logic = group["logic"]?.stringValue?.lowercased() ?? "and"
                guard let conditions = group["conditions"]?.arrayValue, logic == "or" || logic == "and" else {
                    throw invalid
                }
                let parsed = try conditions.map(parseItem)
                return logic == "or" ? .any(parsed) : .all(parsed)
            }
            guard let parts = item.arrayValue, parts.count == 2 || parts.count == 3,
                  let field = parts[0].stringValue else { throw invalid }
            var op = parts.count == 3 ? (parts[1].stringValue?.lowercased() ?? "") : "="
            let value = parts[parts.count - 1]
            if parts.count == 2, value.arrayValue != nil { op = "in" }
            guard operators.contains(op) else {
                throw V3Error(400, "UNKNOWNFILTEROPERATOREXCEPTION", "Unknown filter operator `\(op)`")
            }
            guard field == "id" else {
                throw V3Error.validation(field, "In DTO `TaskDto`, the `\(field)` field requires the `Filterable` "
                                         + "attribute for such a request")
            }
            if op == "in" || op == "between" {
                guard let list = value.arrayValue, op == "in" || list.count == 2 else { throw invalid }
            }
            return .condition(op: op, value: value)
        }

        func matches(_ task: TaskRecord) -> Bool {
            switch self {
            case .all(let parts): return parts.allSatisfy { $0.matches(task) }
            case .any(let parts): return parts.contains { $0.matches(task) }
            case .condition(let op, let value):
                let id = Int64(task.id)
                switch op {
                case "in": return value.arrayValue?.contains { $0.intValue == id } ?? false
                case "between":
                    guard let list = value.arrayValue, let low = list.first?.intValue, let high = list.last?.intValue
                    else { return false }
                    return id >= low && id <= high
                default:
                    guard let other = value.intValue else { return false }
                    switch op {
                    case "=": return id == other
                    case "!=": return id != other
                    case ">": return id > other
                    case ">=": return id >= other
                    case "<": return id < other
                    default: return id <= other
                    }
                }
            }
        }
    }

    static let sortable: Set<String> = ["id", "title", "deadline", "created", "changed", "priority", "status"]

    static func parseOrder(_ value: JSONValue?) throws -> (String, Bool)? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue else {
            throw V3Error(400, "INVALIDORDEREXCEPTION", "Unable to recognize sorting parameter `\(JSONWriter.compact(value))`")
        }
        guard let entry = object.elements.first else { return nil }
        let (field, direction) = (entry.key, entry.value)
        let word = direction.stringValue?.uppercased() ?? ""
        guard sortable.contains(field), word == "ASC" || word == "DESC" else {
            throw V3Error(400, "INVALIDORDEREXCEPTION", "Unable to recognize sorting parameter `\(JSONWriter.compact(value))`")
        }
        return (field, word == "DESC")
    }

    static func sortKey(_ task: TaskRecord, _ field: String) -> JSONValue? {
        switch field {
        case "id": return .int(Int64(task.id))
        case "title": return .string(task.title)
        case "deadline": return task.deadline.map { .double($0) }
        case "created": return .double(task.createdDate)
        case "changed": return .double(task.changedDate)
        case "priority": return .int(Int64(task.priority))
        default: return .int(Int64(task.status))
        }
    }

    /// `{page, limit, offset}` → (first index, page size); limit 1...1000, default 50.
    static func pagination(_ value: JSONValue?) throws -> (Int, Int) {
        guard let value, !value.isNull else { return (0, 50) }
        let bad = V3Error(400, "INVALIDPAGINATIONEXCEPTION",
                          "Unable to recognize the pagination parameter `\(JSONWriter.compact(value))`")
        guard let object = value.objectValue else { throw bad }
        func number(_ key: String, _ fallback: Int) throws -> Int {
            guard let member = object[key], !member.isNull else { return fallback }
            guard case .int(let number) = member else { throw bad }
            return Int(number)
        }
        let page = try number("page", 1), limit = try number("limit", 50), offset = try number("offset", 0)
        guard page >= 1, (1...1000).contains(limit), offset >= 0 else { throw bad }
        // A page far past the end is not an error, but it must not overflow.
        let (skipped, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
        let (first, overflowAgain) = skipped.addingReportingOverflow(offset)
        return (overflow || overflowAgain ? Int.max : first, limit)
    }

    // MARK: OpenAPI

    static func schema(of value: JSONValue) -> JSONValue {
        switch value {
        case .int: return ["type": "integer"]
        case .double: return ["type": "number"]
        case .bool: return ["type": "boolean"]
        case .array: return ["type": "array", "items": [:]]
        case .object: return ["type": "object"]
        case .string(let text): return PortalClock.parse(text) != nil ? ["type": "string", "format": "date-time"]
                                                                      : ["type": "string"]
        case .null: return ["type": "string", "nullable": true]
        }
    }

    static func openAPI(_ portal: Portal) -> JSONValue {
        let now = PortalClock.now()
        var sample = TaskRecord(id: 1, title: "x", createdBy: 1, responsibleID: 1, createdDate: now, changedDate: now,
                                changedBy: 1, statusChangedDate: now, guid: "")
        sample.deadline = now
        var taskProperties = JSONObject()
        for (key, value) in TaskViews.v3(sample, now: now) { taskProperties[key] = schema(of: value) }
        var userProperties = JSONObject()
        for (key, value) in TaskViews.userDto(1, directory: portal.directory) { userProperties[key] = schema(of: value) }
        var paths = JSONObject()
        var tags: [String] = []
        for method in portal.v3.sorted {
            let tag = String(method.name.split(separator: ".").first ?? "rest")
            if !tags.contains(tag) { tags.append(tag) }
            paths["/" + method.name] = ["post": [
                "tags": [.string(tag)], "summary": .string(method.summary), "operationId": .string(method.name),
                "requestBody": ["content": ["application/json": ["schema": ["type": "object"]]]],
                "responses": [
                    "200": ["description": "Success", "content": ["application/json": ["schema": ["type": "object",
                        "properties": ["result": ["type": "object"]]]]]],
                    "400": ["description": "Error", "content": ["application/json": ["schema": [
                        "$ref": "#/components/schemas/Error"]]]],
                ],
                "x-scope": .string(method.scope ?? "basic"),
            ]]
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Bitrix24 REST V3 API", "version": "1.0.0"],
            "tags": .array(tags.map { ["name": .string($0), "description": .string("\($0) module methods")] }),
            "paths": .object(paths),
            "components": ["schemas": [
                "TaskDto": ["type": "object", "properties": .object(taskProperties)],
                "UserDto": ["type": "object", "properties": .object(userProperties)],
                "Error": ["type": "object", "properties": ["error": ["type": "object", "properties": [
                    "code": ["type": "string"], "message": ["type": "string"],
                    "validation": ["type": "array", "items": ["type": "object"]],
                ]]]],
            ]],
        ]
    }
}
