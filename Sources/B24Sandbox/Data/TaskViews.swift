import B24Wire

/// How a task looks on the wire: the v2 camelCase-strings view and the REST 3.0 typed view (PROTOCOL §2.10).
enum TaskViews {
    // MARK: Names

    /// `RESPONSIBLE_ID` → `responsibleId`, `UF_CRM_TASK` → `ufCrmTask`; a few v2 names map elsewhere.
    static func camel(fromUpper name: String) -> String {
        switch name {
        case "REAL_STATUS": return "status"
        case "SUB_STATUS", "SUBSTATUS": return "subStatus"
        default: break
        }
        var output = ""
        var upperNext = false
        for character in name.lowercased() {
            if character == "_" { upperNext = true; continue }
            output.append(upperNext ? Character(character.uppercased()) : character)
            upperNext = false
        }
        return output
    }

    /// `responsibleId` → `RESPONSIBLE_ID`; names already in upper case stay (v2 also accepts camelCase keys).
    static func upperSnake(_ name: String) -> String {
        guard name.contains(where: { $0.isLowercase }) else { return name.uppercased() }
        var output = ""
        for character in name {
            if character.isUppercase, !output.isEmpty { output.append("_") }
            output.append(contentsOf: character.uppercased())
        }
        return output
    }

    /// The value a v2 filter or order sees for an UPPER field name; nil for unknown fields.
    static func value(_ task: TaskRecord, _ field: String, now: Double) -> JSONValue? {
        func date(_ value: Double?) -> JSONValue { value.map { .string(PortalClock.iso($0)) } ?? .null }
        switch field {
        case "ID": return .int(Int64(task.id))
        case "TITLE": return .string(task.title)
        case "DESCRIPTION": return .string(task.description)
        case "STATUS": return .int(Int64(subStatus(task, now: now)))
        case "REAL_STATUS": return .int(Int64(task.status))
        case "PRIORITY": return .int(Int64(task.priority))
        case "MARK": return task.mark.map { .string($0) } ?? .null
        case "DEADLINE": return date(task.deadline)
        case "CREATED_DATE": return date(task.createdDate)
        case "CHANGED_DATE": return date(task.changedDate)
        case "CLOSED_DATE": return date(task.closedDate)
        case "DATE_START": return date(task.dateStart)
        case "START_DATE_PLAN": return date(task.startDatePlan)
        case "END_DATE_PLAN": return date(task.endDatePlan)
        case "ACTIVITY_DATE": return date(task.changedDate)
        case "STATUS_CHANGED_DATE": return date(task.statusChangedDate)
        case "CREATED_BY": return .int(Int64(task.createdBy))
        case "RESPONSIBLE_ID": return .int(Int64(task.responsibleID))
        case "CHANGED_BY": return .int(Int64(task.changedBy))
        case "CLOSED_BY": return task.closedBy.map { .int(Int64($0)) } ?? .null
        case "GROUP_ID": return .int(Int64(task.groupID))
        case "PARENT_ID": return task.parentID.map { .int(Int64($0)) } ?? .null
        case "UF_CRM_TASK": return .array(task.crm.map { .string($0) })
        case "AUDITOR", "AUDITORS": return .array(task.auditors.map { .int(Int64($0)) })
        case "ACCOMPLICE", "ACCOMPLICES": return .array(task.accomplices.map { .int(Int64($0)) })
        case "MEMBER":
            return .array(([task.createdBy, task.responsibleID] + task.accomplices + task.auditors).map { .int(Int64($0)) })
        case "TAG", "TAGS": return .array(task.tags.map { .string($0) })
        case "FAVORITE", "NOT_VIEWED":
            return .string(field == "NOT_VIEWED" && task.notViewed ? "Y" : "N")
        case "TASK_CONTROL": return .string(task.taskControl ? "Y" : "N")
        case "ALLOW_CHANGE_DEADLINE": return .string(task.allowChangeDeadline ? "Y" : "N")
        case "GUID": return .string(task.guid)
        case "SORTING", "TIME_SPENT_IN_LOGS", "TIME_ESTIMATE", "DURATION_PLAN", "DURATION_FACT": return .int(0)
        default: return nil
        }
    }

    /// STATUS as `subStatus`: -1 overdue, -2 not viewed, -3 almost overdue, else the real status.
    static func subStatus(_ task: TaskRecord, now: Double) -> Int {
        guard task.status == 2 || task.status == 3 else { return task.status }
        if let deadline = task.deadline {
            if deadline < now { return -1 }
            if deadline < now + 86_400 { return -3 }
        }
        if task.notViewed { return -2 }
        return task.status
    }

    // MARK: v2

    static func userCard(_ id: Int, directory: Directory) -> JSONValue {
        let user = directory.user(id)
        return [
            "id": .string(String(id)),
            "name": .string(user.map { "\($0.name) \($0.lastName)" } ?? "user \(id)"),
            "link": .string("/company/personal/user/\(id)/"),
            "icon": "/bitrix/images/tasks/default_avatar.png",
            "workPosition": .string(user?.position ?? ""),
        ]
    }

    static let actions: JSONValue = [
        "accept": false, "decline": false, "complete": true, "approve": false, "disapprove": false, "start": true,
        "pause": false, "delegate": true, "remove": true, "edit": true, "defer": true, "renew": false, "create": true,
        "changeDeadline": true, "checklistAddItems": true, "addFavorite": true, "deleteFavorite": false, "rate": true, "take": false,
        "edit.originator": false, "checklist.reorder": true, "elapsedtime.add": true, "dayplan.timer.toggle": false,
        "edit.plan": true, "checklist.add": true, "favorite.add": true, "favorite.delete": false,
    ]

    /// The full v2 task object; `userFields` adds `ufCrmTask`/`ufTaskWebdavFiles`/`ufMailMessage`.
    static func v2(_ task: TaskRecord, directory: Directory, now: Double, userFields: Set<String> = []) -> JSONObject {
        func text(_ value: Int?) -> JSONValue { value.map { .string(String($0)) } ?? .null }
        func date(_ value: Double?) -> JSONValue { value.map { .string(PortalClock.iso($0)) } ?? .null }
        func flag(_ value: Bool) -> JSONValue { value ? "Y" : "N" }
        var object: JSONObject = [
            "id": .string(String(task.id)), "parentId": text(task.parentID), "title": .string(task.title),
            "description": .string(task.description), "mark": task.mark.map { .string($0) } ?? .null,
            "priority": .string(String(task.priority)), "multitask": "N", "notViewed": flag(task.notViewed),
            "replicate": "N", "stageId": "0", "sprintId": nil, "backlogId": nil,
            "createdBy": .string(String(task.createdBy)), "createdDate": date(task.createdDate),
            "responsibleId": .string(String(task.responsibleID)), "changedBy": .string(String(task.changedBy)),
            "changedDate": date(task.changedDate), "statusChangedBy": text(task.statusChangedBy),
            "closedBy": text(task.closedBy), "closedDate": date(task.closedDate), "activityDate": date(task.changedDate),
            "dateStart": date(task.dateStart), "deadline": date(task.deadline),
            "startDatePlan": date(task.startDatePlan), "endDatePlan": date(task.endDatePlan),
            "guid": .string(task.guid), "xmlId": nil, "commentsCount": nil, "serviceCommentsCount": nil,
            "allowChangeDeadline": flag(task.allowChangeDeadline), "allowTimeTracking": "N",
            "taskControl": flag(task.taskControl), "addInReport": "N", "forkedByTemplateId": nil, "timeEstimate": "0",
            "timeSpentInLogs": nil, "matchWorkTime": "N", "forumTopicId": nil, "forumId": nil, "siteId": "s1",
            "subordinate": "Y", "exchangeModified": nil, "exchangeId": nil, "outlookVersion": "1", "viewedDate": nil,
            "sorting": nil, "durationFact": nil, "isMuted": "N", "isPinned": "N", "isPinnedInGroup": "N",
            "flowId": nil, "descriptionInBbcode": "Y", "status": .string(String(task.status)),
            "subStatus": .string(String(subStatus(task, now: now))),
            "statusChangedDate": date(task.statusChangedDate), "durationPlan": nil, "durationType": "days",
            "favorite": "N", "groupId": .string(String(task.groupID)),
            "auditors": .array(task.auditors.map { .string(String($0)) }),
            "accomplices": .array(task.accomplices.map { .string(String($0)) }),
            "checklist": [],
            "group": task.groupID == 0 ? [] : ["id": .string(String(task.groupID)), "name": "Sandbox project",
                                               "opened": true, "membersCount": 4, "image": "", "additionalData": []],
            "creator": userCard(task.createdBy, directory: directory),
            "responsible": userCard(task.responsibleID, directory: directory),
            "accomplicesData": cards(task.accomplices, directory: directory),
            "auditorsData": cards(task.auditors, directory: directory),
            "newCommentsCount": 0,
            "action": actions,
            "tags": task.tags.isEmpty ? [] : .object(JSONObject(uniqueKeysWithValues: task.tags.enumerated().map {
                (String($0.offset + 1), ["id": .int(Int64($0.offset + 1)), "title": .string($0.element)])
            })),
        ]
        if userFields.contains("UF_CRM_TASK") { object["ufCrmTask"] = .array(task.crm.map { .string($0) }) }
        if userFields.contains("UF_TASK_WEBDAV_FILES") { object["ufTaskWebdavFiles"] = [] }
        if userFields.contains("UF_MAIL_MESSAGE") { object["ufMailMessage"] = .null }
        return object
    }

    private static func cards(_ ids: [Int], directory: Directory) -> JSONValue {
        // PHP keys these maps by user ID, so an empty one is `[]`.
        guard !ids.isEmpty else { return [] }
        return .object(JSONObject(uniqueKeysWithValues: ids.map { (String($0), userCard($0, directory: directory)) }))
    }

    /// The v2 object narrowed to a `select` list (UPPER or camel names); nil select = every standard field.
    static func v2(_ task: TaskRecord, directory: Directory, now: Double, select: [String]?) -> JSONObject {
        guard let select, !select.isEmpty, !select.contains("*") else {
            return v2(task, directory: directory, now: now)
        }
        let upper = select.map(upperSnake)
        let full = v2(task, directory: directory, now: now, userFields: Set(upper.filter { $0.hasPrefix("UF_") }))
        var wanted: [String] = ["id"]
        for name in upper {
            let key = camel(fromUpper: name)
            wanted.append(key)
            if name == "STATUS" { wanted.append("subStatus") }
            if name == "CREATED_BY" { wanted.append("creator") }
            if name == "RESPONSIBLE_ID" { wanted.append("responsible") }
            if name == "ACCOMPLICES" { wanted.append("accomplicesData") }
            if name == "AUDITORS" { wanted.append("auditorsData") }
        }
        // The portal always adds these, whatever the select says.
        wanted += ["descriptionInBbcode", "favorite", "group", "action"]
        var object = JSONObject()
        for key in wanted where object[key] == nil {
            if let value = full[key] { object[key] = value }
        }
        return object
    }

    // MARK: REST 3.0

    static let statusWords = [1: "new", 2: "pending", 3: "in_progress", 4: "supposedly_completed", 5: "completed",
                              6: "deferred", 7: "declined"]
    static let priorityWords = [0: "low", 1: "average", 2: "high"]

    static func markWord(_ mark: String?) -> String {
        switch mark {
        case "P": return "positive"
        case "N": return "negative"
        default: return "none"
        }
    }

    /// Fields a REST 3.0 UserDto has (for `responsible.name` style selects).
    static let userDtoFields = ["id", "name", "lastName", "secondName", "email", "workPosition", "gender", "active"]
    /// Relations of TaskDto that point at users.
    static let userRelations: Set<String> = ["creator", "responsible"]

    static func userDto(_ id: Int, directory: Directory) -> JSONObject {
        let user = directory.user(id)
        return [
            "id": .int(Int64(id)), "name": .string(user?.name ?? ""), "lastName": .string(user?.lastName ?? ""),
            "secondName": "", "email": .string(user?.email ?? ""), "workPosition": .string(user?.position ?? ""),
            "gender": .string(user?.gender ?? ""), "active": .bool(user?.active ?? false),
        ]
    }

    /// The full REST 3.0 TaskDto.
    static func v3(_ task: TaskRecord, now: Double) -> JSONObject {
        func date(_ value: Double?) -> JSONValue { value.map { .string(PortalClock.iso($0)) } ?? .null }
        return [
            "id": .int(Int64(task.id)), "title": .string(task.title), "description": .string(task.description),
            "creatorId": .int(Int64(task.createdBy)), "responsibleId": .int(Int64(task.responsibleID)),
            "deadline": date(task.deadline), "needsControl": .bool(task.taskControl),
            "startPlan": date(task.startDatePlan), "endPlan": date(task.endDatePlan), "fileIds": nil,
            "checklist": [], "epicId": nil, "storyPoints": nil,
            "priority": .string(priorityWords[task.priority] ?? "average"),
            "status": .string(statusWords[task.status] ?? "pending"), "statusChanged": date(task.statusChangedDate),
            "parentId": task.parentID.map { .int(Int64($0)) } ?? .null, "groupId": .int(Int64(task.groupID)),
            "containsChecklist": false, "containsSubTasks": false, "containsRelatedTasks": false,
            "containsGanttLinks": false, "containsPlacements": false, "containsResults": false,
            "numberOfReminders": 0, "chatId": nil, "plannedDuration": 0, "actualDuration": 0, "durationType": "days",
            "started": date(task.dateStart), "estimatedTime": 0, "replicate": false, "changed": date(task.changedDate),
            "closed": date(task.closedDate), "activity": date(task.changedDate), "created": date(task.createdDate),
            "guid": .string(task.guid), "xmlId": nil, "exchangeId": nil, "exchangeModified": nil, "outlookVersion": 1,
            "mark": .string(markWord(task.mark)), "allowsChangeDeadline": .bool(task.allowChangeDeadline),
            "allowsTimeTracking": false, "matchesWorkTime": false, "addInReport": nil, "isMultitask": false,
            "siteId": "s1", "deadlineCount": nil, "declineReason": nil, "forumTopicId": nil,
            "link": .string("/company/personal/user/\(task.responsibleID)/tasks/task/view/\(task.id)/"),
            "rights": rights, "archiveLink": nil,
            "crmItemIds": .array(task.crm.map { .string($0) }), "tags": .array(task.tags.map { .string($0) }),
            "auditorIds": .array(task.auditors.map { .int(Int64($0)) }),
            "accompliceIds": .array(task.accomplices.map { .int(Int64($0)) }),
            "requireResult": false, "matchesSubTasksTime": false, "autocompleteSubTasks": false,
            "allowsChangeDatePlan": false, "maxDeadlineChangeDate": nil, "maxDeadlineChanges": nil,
            "requireDeadlineChangeReason": false, "inFavorite": [], "inPin": [], "inGroupPin": [], "inMute": [],
            "dependsOn": [], "scenarios": ["default"],
        ]
    }

    static let rights: JSONValue = {
        var object = JSONObject()
        for key in ["read", "watch", "mute", "createResult", "edit", "remove", "complete", "start", "delegate", "defer",
                    "deadline", "datePlan", "changeResponsible", "changeAccomplices", "mark", "changeStatus", "reminder",
                    "addAuditors", "elapsedTime", "favorite", "checklistAdd", "checklistEdit", "checklistSave",
                    "checklistToggle", "automate", "completeResult", "admin", "createSubtask", "copy",
                    "saveAsTemplate", "attachFile", "detachFile", "detachParent", "createGanttDependence"] {
            object[key] = true
        }
        for key in ["approve", "disapprove", "take", "renew", "changeDirector", "pause", "timeTracking", "resultEdit",
                    "removeResult", "resultRead", "sort"] {
            object[key] = false
        }
        return .object(object)
    }()
}
