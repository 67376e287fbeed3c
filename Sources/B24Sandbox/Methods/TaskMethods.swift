import B24Wire

/// `tasks.task.*` v2 (PROTOCOL §2.10): UPPER input names, camelCase string output wrapped in `result.task` /
/// `result.tasks`, and the tasks module's error codes (`ERROR_CORE` with `<br>`, numeric strings "0"/"100").
enum TaskMethods {
    static func register(into registry: inout MethodRegistry) {
        registry.add("tasks.task.add", scope: "task") { env in
            // b24phpsdk sends tasks.task.add positionally: `0` is `fields`.
            guard let fields = (env.param("fields") ?? env.params["0"])?.objectValue, !fields.isEmpty else {
                throw RestError(400, "100", "Could not find value for parameter {fields} (internal error)")
            }
            let task = try add(env, fields: upperKeys(fields))
            return MethodOutput(["task": .object(TaskViews.v2(task, directory: env.portal.directory, now: env.now))])
        }
        registry.add("tasks.task.update", scope: "task") { env in
            let id = try taskID(env)
            guard let fields = (env.param("fields") ?? env.params["1"])?.objectValue, !fields.isEmpty else {
                throw RestError(400, "100", "Could not find value for parameter {fields} (internal error)")
            }
            let task = try update(env, id: id, fields: upperKeys(fields))
            return MethodOutput(["task": .object(TaskViews.v2(task, directory: env.portal.directory, now: env.now))])
        }
        registry.add("tasks.task.get", scope: "task") { env in
            let id = try taskID(env)
            var select: [String]?
            if let value = env.param("select") {
                guard let items = value.arrayValue, !items.isEmpty else {
                    throw RestError(400, "100", "Invalid value {} to match with parameter {select}. "
                                    + "Should be value of type array. (internal error)")
                }
                select = items.compactMap(\.stringValue)
            }
            guard let task = env.portal.tasks.get(id) else { throw notAllowed }
            return MethodOutput(["task": .object(TaskViews.v2(task, directory: env.portal.directory, now: env.now,
                                                              select: select))])
        }
        registry.add("tasks.task.list", scope: "task", list)
        // Status changes: each sets REAL_STATUS, refusing moves that make no sense.
        let moves: [(String, Int, Set<Int>)] = [
            ("complete", 5, [1, 2, 3, 4, 6]), ("start", 3, [1, 2, 6]), ("pause", 2, [3]), ("defer", 6, [1, 2, 3]),
            ("renew", 2, [4, 5, 6, 7]), ("approve", 5, [4]), ("disapprove", 3, [4]),
        ]
        for (name, status, from) in moves {
            registry.add("tasks.task." + name, scope: "task") { env in
                let id = try taskID(env)
                let task = try setStatus(env, id: id, status: status, allowedFrom: from)
                return MethodOutput(["task": .object(TaskViews.v2(task, directory: env.portal.directory, now: env.now))])
            }
        }
        registry.add("tasks.task.delete", scope: "task") { env in
            let id = try taskID(env)
            guard env.portal.tasks.delete(id) else { throw notAllowed }
            env.portal.raiseTaskEvent("ONTASKDELETE", id: id, env: env)
            return MethodOutput(["task": true])
        }
        registry.add("tasks.task.getfields", scope: "task") { _ in MethodOutput(["fields": .object(taskFields)]) }
    }

    /// Field descriptions as tasks.task.getFields gives them: `title`, `type`, `required`, `primary` (the ID),
    /// `values` of enums, `default`.
    static let taskFields: JSONObject = {
        func field(_ title: String?, _ type: String, required: Bool = false, primary: Bool = false,
                   values: JSONObject? = nil, default value: JSONValue? = nil) -> JSONValue {
            var object: JSONObject = ["title": title.map { .string($0) } ?? .null, "type": .string(type)]
            if required { object["required"] = true }
            if primary { object["primary"] = true }
            if let values { object["values"] = .object(values) }
            if let value { object["default"] = value }
            return .object(object)
        }
        let yesNo: JSONObject = ["Y": "Да", "N": "Нет"]
        return [
            "ID": field("ID", "integer", primary: true),
            "PARENT_ID": field("Базовая задача", "integer", default: 0),
            "TITLE": field("Название", "string", required: true),
            "DESCRIPTION": field("Описание", "string"),
            "MARK": field("Оценка", "enum", values: ["N": "Отрицательная", "P": "Положительная"], default: .null),
            "PRIORITY": field("Приоритет", "enum", values: ["2": "Высокий", "1": "Средний", "0": "Низкий"], default: 1),
            "STATUS": field("Статус", "enum", values: ["2": "Ждёт выполнения", "3": "Выполняется", "4": "Ожидает контроля",
                                                      "5": "Завершена", "6": "Отложена"], default: 2),
            "MULTITASK": field("Множественная задача", "enum", values: yesNo, default: "N"),
            "GROUP_ID": field("Проект", "integer", default: 0),
            "CREATED_BY": field("Постановщик", "integer", required: true),
            "CREATED_DATE": field(nil, "datetime"),
            "RESPONSIBLE_ID": field("Исполнитель", "integer", required: true),
            "ACCOMPLICES": field(nil, "array"),
            "AUDITORS": field(nil, "array"),
            "CHANGED_DATE": field("Дата изменения", "datetime"),
            "CLOSED_DATE": field("Дата завершения", "datetime", default: .null),
            "DEADLINE": field("Крайний срок", "datetime", default: .null),
            "START_DATE_PLAN": field("Плановое начало", "datetime", default: .null),
            "END_DATE_PLAN": field("Плановое завершение", "datetime", default: .null),
            "TASK_CONTROL": field("Принять работу", "enum", values: yesNo, default: "N"),
            "TAGS": field(nil, "array"),
            "UF_CRM_TASK": field("Элементы CRM", "crm"),
        ]
    }()

    static let notAllowed = RestError(400, "0", "Action on the task is not allowed")

    private static func upperKeys(_ fields: JSONObject) -> JSONObject {
        var object = JSONObject()
        for (key, value) in fields { object[TaskViews.upperSnake(key)] = value }
        return object
    }

    /// `taskId` (or positional `0`): "100" when missing, "0" "wrong task id" when not a positive integer.
    private static func taskID(_ env: CallEnv) throws -> Int {
        guard let value = env.param("taskId") ?? env.param("id") ?? env.params["0"] else {
            throw RestError(400, "100", "CTaskItem All parameters in the constructor must have real class type (internal error)")
        }
        guard let id = value.intValue, id > 0 else { throw RestError(400, "0", "wrong task id") }
        return Int(id)
    }

    private static func core(_ text: String) -> RestError { RestError(400, "ERROR_CORE", text + "<br>") }

    private static func date(_ value: JSONValue?) -> Double? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return PortalClock.parse(text)
    }

    private static func userIDs(_ value: JSONValue?) -> [Int] {
        (value?.arrayValue ?? value.map { [$0] } ?? []).compactMap { $0.intValue.map(Int.init) }.filter { $0 > 0 }
    }

    /// Applies UPPER-named fields; shared by add and update.
    static func apply(_ fields: JSONObject, to task: inout TaskRecord, env: CallEnv) throws {
        let directory = env.portal.directory
        for (key, value) in fields {
            switch key {
            case "TITLE": task.title = value.stringValue ?? ""
            case "DESCRIPTION": task.description = value.stringValue ?? ""
            case "DEADLINE": task.deadline = date(value)
            case "START_DATE_PLAN": task.startDatePlan = date(value)
            case "END_DATE_PLAN": task.endDatePlan = date(value)
            case "CREATED_BY":
                guard let id = value.intValue, directory.user(Int(id)) != nil else {
                    throw core("User specified in the \"Creator\" field not found")
                }
                task.createdBy = Int(id)
            case "RESPONSIBLE_ID":
                guard let id = value.intValue, directory.user(Int(id)) != nil else {
                    throw core("User specified in the \"Responsible\" field not found")
                }
                task.responsibleID = Int(id)
            case "PRIORITY":
                guard let level = value.intValue, (0...2).contains(level) else { throw core("Incorrect priority") }
                task.priority = Int(level)
            case "STATUS", "REAL_STATUS":
                guard let status = value.intValue, (1...7).contains(status) else { throw core("Incorrect status") }
                task.status = Int(status)
            case "MARK":
                let mark = value.stringValue?.uppercased() ?? ""
                task.mark = mark == "P" || mark == "N" ? mark : nil
            case "GROUP_ID": task.groupID = Int(value.intValue ?? 0)
            case "PARENT_ID":
                let parent = value.intValue.map(Int.init) ?? 0
                if parent == task.id { throw core("Cannot bind the node to itself") }
                if parent != 0, env.portal.tasks.get(parent) == nil {
                    throw core("Task specified in the \"Parent Task\" field not found")
                }
                task.parentID = parent == 0 ? nil : parent
            case "UF_CRM_TASK":
                task.crm = (value.arrayValue ?? [value]).compactMap(\.stringValue).filter { !$0.isEmpty }
            case "AUDITORS": task.auditors = userIDs(value)
            case "ACCOMPLICES": task.accomplices = userIDs(value)
            case "TAGS":
                task.tags = (value.arrayValue ?? value.stringValue.map { $0.split(separator: ",").map {
                    JSONValue.string($0.trimmingCharacters(in: .whitespaces)) } } ?? []).compactMap(\.stringValue)
            case "TASK_CONTROL": task.taskControl = value.boolValue ?? false
            case "ALLOW_CHANGE_DEADLINE": task.allowChangeDeadline = value.boolValue ?? false
            default: break  // unknown fields are ignored, as on a real portal
            }
        }
    }

    static func add(_ env: CallEnv, fields: JSONObject) throws -> TaskRecord {
        guard let title = fields["TITLE"]?.stringValue, !title.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw core("Task title is not specified")
        }
        _ = title
        guard fields["RESPONSIBLE_ID"].map({ !$0.isNull && $0.stringValue != "" }) ?? false else {
            throw core("Responsible person not specified")
        }
        var draft = TaskRecord(id: 0, title: "", createdBy: env.caller.userID, responsibleID: env.caller.userID,
                               createdDate: env.now, changedDate: env.now, changedBy: env.caller.userID,
                               statusChangedDate: env.now, guid: "")
        try apply(fields, to: &draft, env: env)
        var random = SeededRandom(seed: UInt64(bitPattern: Int64(env.now * 1000)) ^ 0x7A5C)
        let guid = TaskStore.guid(&random)
        let task = env.portal.tasks.add { id in
            var task = draft
            task.id = id
            task.guid = guid
            task.notViewed = task.responsibleID != env.caller.userID
            return task
        }
        env.portal.raiseTaskEvent("ONTASKADD", id: task.id, env: env)
        return task
    }

    static func update(_ env: CallEnv, id: Int, fields: JSONObject) throws -> TaskRecord {
        if let title = fields["TITLE"], title.stringValue?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
            throw core("Task title is not specified")
        }
        guard let task = try env.portal.tasks.update(id, { task in
            let before = task.status
            try apply(fields, to: &task, env: env)
            task.changedDate = env.now
            task.changedBy = env.caller.userID
            if task.status != before { statusChanged(&task, env: env) }
        }) else { throw RestError(400, "0", "Action on the task is not allowed (internal error)") }
        env.portal.raiseTaskEvent("ONTASKUPDATE", id: id, env: env)
        return task
    }

    private static func statusChanged(_ task: inout TaskRecord, env: CallEnv) {
        task.statusChangedDate = env.now
        task.statusChangedBy = env.caller.userID
        if task.status == 5 {
            task.closedDate = env.now
            task.closedBy = env.caller.userID
        } else {
            task.closedDate = nil
            task.closedBy = nil
        }
        if task.status == 3, task.dateStart == nil { task.dateStart = env.now }
    }

    static func setStatus(_ env: CallEnv, id: Int, status: Int, allowedFrom: Set<Int>) throws -> TaskRecord {
        guard let task = try env.portal.tasks.update(id, { task in
            guard allowedFrom.contains(task.status) else { throw notAllowed }
            // A task under control goes to "awaiting control" when someone other than its creator completes it.
            task.status = status == 5 && task.taskControl && env.caller.userID != task.createdBy ? 4 : status
            task.changedDate = env.now
            task.changedBy = env.caller.userID
            statusChanged(&task, env: env)
        }) else { throw notAllowed }
        env.portal.raiseTaskEvent("ONTASKUPDATE", id: id, env: env)
        return task
    }

    static let sortable: Set<String> = [
        "ID", "TITLE", "DEADLINE", "CREATED_DATE", "CHANGED_DATE", "CLOSED_DATE", "STATUS", "REAL_STATUS", "PRIORITY",
        "RESPONSIBLE_ID", "CREATED_BY", "GROUP_ID", "MARK", "SORTING", "TIME_SPENT_IN_LOGS", "TIME_ESTIMATE",
        "DATE_START", "START_DATE_PLAN", "END_DATE_PLAN", "ACTIVITY_DATE", "STATUS_CHANGED_DATE",
    ]

    private static func list(_ env: CallEnv) throws -> MethodOutput {
        var order: [(field: String, descending: Bool)] = []
        for (key, direction) in env.param("order")?.objectValue ?? [:] {
            let field = TaskViews.upperSnake(key)
            guard sortable.contains(field) else { throw RestError(400, "0", "Invalid sorting key (internal error)") }
            order.append((field, direction.stringValue?.uppercased() == "DESC"))
        }
        var filterObject = JSONObject()
        for (key, value) in env.param("filter")?.objectValue ?? [:] where !key.hasPrefix("::") {
            // Keep the operator prefix, normalise the field name.
            let prefixLength = key.prefix { "<>=!%@".contains($0) }.count
            filterObject[String(key.prefix(prefixLength)) + TaskViews.upperSnake(String(key.dropFirst(prefixLength)))] = value
        }
        let now = env.now
        let parsed = ListFilter(.object(filterObject))
        // Unknown filter fields are dropped rather than matching nothing.
        let probe = TaskRecord(id: 0, title: "", createdBy: 0, responsibleID: 0, createdDate: 0, changedDate: 0,
                               changedBy: 0, statusChangedDate: 0, guid: "")
        let filter = ListFilter(conditions: parsed.conditions.filter { TaskViews.value(probe, $0.field, now: now) != nil })
        var tasks = env.portal.tasks.all().filter { task in filter.matches { TaskViews.value(task, $0, now: now) } }
        if !order.isEmpty {
            tasks.sort { a, b in
                for key in order {
                    let c = ListFilter.orderedBefore(TaskViews.value(a, key.field, now: now),
                                                     TaskViews.value(b, key.field, now: now))
                    if c != 0 { return key.descending ? c > 0 : c < 0 }
                }
                return a.id < b.id
            }
        }
        let select = env.param("select")?.arrayValue?.compactMap(\.stringValue)
        let directory = env.portal.directory
        let start = Paging.start(env)
        let page = Paging.page(tasks.map { _ in JSONValue.null }, start: start)
        let from = max(0, start)
        let slice = from < tasks.count ? tasks[from..<min(tasks.count, from + Paging.pageSize)] : []
        let rows = slice.map { JSONValue.object(TaskViews.v2($0, directory: directory, now: now, select: select)) }
        return MethodOutput(["tasks": .array(Array(rows))], total: page.total, next: page.next,
                            scanned: page.scanned)
    }
}
