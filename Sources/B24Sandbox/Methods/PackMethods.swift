import B24Wire

/// At least one plausible method of every other pack (PROTOCOL §2.12), with the documented shapes and errors —
/// including the odd error codes (numbers for sale/catalog, empty strings for calendar/timeman).
enum PackMethods {
    static func register(into registry: inout MethodRegistry) {
        registerIM(into: &registry)
        registerBizproc(into: &registry)
        registerSmallPacks(into: &registry)
        registerCommerce(into: &registry)
    }

    private static let counters = Locked((bot: 38, workflow: 0))

    /// A user as the messenger describes one (`users` of `im.dialog.messages.get`).
    private static func chatUser(_ user: Directory.User) -> JSONValue {
        [
            "id": .int(Int64(user.id)), "name": .string("\(user.name) \(user.lastName)"), "first_name": .string(user.name),
            "last_name": .string(user.lastName), "work_position": .string(user.position), "color": "#df532d",
            "avatar": "", "gender": .string(user.gender), "birthday": "", "extranet": false, "network": false,
            "bot": false, "connector": false, "external_auth_id": "default", "status": "online", "idle": false,
            "last_activity_date": false, "mobile_last_date": false,
            "departments": .array(user.departments.map { .int(Int64($0)) }), "absent": false,
            "phones": ["work_phone": "", "personal_mobile": "", "personal_phone": ""],
        ]
    }

    // MARK: im / imbot

    private static func registerIM(into registry: inout MethodRegistry) {
        registry.add("im.message.add", scope: "im") { env in
            let dialog = env.param("DIALOG_ID")?.stringValue ?? ""
            let message = env.param("MESSAGE")?.stringValue ?? ""
            let attach = env.param("ATTACH")
            if message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, attach == nil || attach?.arrayValue?.isEmpty == true {
                throw RestError(400, "MESSAGE_EMPTY", "Message can't be empty")
            }
            guard let chat = ChatStore.chatID(forDialog: dialog) else {
                throw dialog.lowercased().hasPrefix("chat") ? RestError(400, "CHAT_ID", "Error creating message")
                                                            : RestError(400, "USER_ID_EMPTY", "User ID can't be empty")
            }
            if chat > ChatStore.privateChatBase, env.portal.directory.user(chat - ChatStore.privateChatBase) == nil {
                throw RestError(400, "USER_NOT_FOUND", "User not found")
            }
            if message.utf8.count > 20_000 { throw RestError(400, "PARAMS_ERROR", "Message is too long") }
            let id = env.portal.chats.post(chatID: chat, authorID: env.caller.userID, text: message, at: env.now)
            return MethodOutput(.int(Int64(id)))
        }
        registry.add("im.dialog.messages.get", scope: "im") { env in
            let dialog = env.param("DIALOG_ID")?.stringValue ?? ""
            guard !dialog.isEmpty else { throw RestError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty") }
            guard let chat = ChatStore.chatID(forDialog: dialog) else {
                throw RestError(400, "ACCESS_ERROR", "You do not have access to the specified dialog")
            }
            let limit = min(50, max(1, Int(env.param("LIMIT")?.intValue ?? 20)))
            let messages = env.portal.chats.history(
                chatID: chat, lastID: env.param("LAST_ID")?.intValue.map(Int.init),
                firstID: env.param("FIRST_ID")?.intValue.map(Int.init), limit: limit)
            var authors: [Int] = []
            for message in messages where message.authorID > 0 && !authors.contains(message.authorID) {
                authors.append(message.authorID)
            }
            return MethodOutput([
                "messages": .array(messages.map { message in
                    ["id": .int(Int64(message.id)), "chat_id": .int(Int64(message.chatID)),
                     "author_id": .int(Int64(message.authorID)), "date": .string(PortalClock.iso(message.date)),
                     "text": .string(message.text), "params": .null]
                }),
                "users": .array(authors.compactMap { env.portal.directory.user($0) }.map(chatUser)),
                "files": [],
                "chat_id": .int(Int64(chat)),
            ])
        }
        registry.add("imbot.register", scope: "imbot") { env in
            guard let code = env.param("CODE")?.stringValue, !code.isEmpty else {
                throw RestError(400, "CODE_ERROR", "Bot code isn't specified")
            }
            let handler = env.param("EVENT_HANDLER")?.stringValue ?? env.param("EVENT_MESSAGE_ADD")?.stringValue ?? ""
            guard !handler.isEmpty else {
                throw RestError(400, "EVENT_MESSAGE_ADD_ERROR", "Handler for \"Message add\" event isn't specified")
            }
            guard let name = env.param("PROPERTIES")?.member(caseInsensitive: "NAME")?.stringValue, !name.isEmpty else {
                throw RestError(400, "NAME_ERROR", "Bot name isn't specified")
            }
            let id = counters.withLock { counters -> Int in
                counters.bot += 1
                return counters.bot
            }
            return MethodOutput(.int(Int64(id)))
        }
    }

    // MARK: bizproc

    private static let templates: [JSONObject] = [
        ["ID": "1", "MODULE_ID": "crm", "ENTITY": "CCrmDocumentLead", "DOCUMENT_TYPE": ["crm", "CCrmDocumentLead", "LEAD"],
         "AUTO_EXECUTE": "1", "NAME": "Обработка лида", "DESCRIPTION": "", "MODIFIED": "2025-01-10T10:00:00+00:00",
         "IS_MODIFIED": "N", "USER_ID": "1", "SYSTEM_CODE": nil],
        ["ID": "2", "MODULE_ID": "crm", "ENTITY": "CCrmDocumentDeal", "DOCUMENT_TYPE": ["crm", "CCrmDocumentDeal", "DEAL"],
         "AUTO_EXECUTE": "0", "NAME": "Deal approval", "DESCRIPTION": "Ask the head of sales",
         "MODIFIED": "2025-02-03T12:30:00+00:00", "IS_MODIFIED": "N", "USER_ID": "1", "SYSTEM_CODE": nil],
        ["ID": "3", "MODULE_ID": "lists", "ENTITY": "BizprocDocument", "DOCUMENT_TYPE": ["lists", "BizprocDocument", "iblock_1"],
         "AUTO_EXECUTE": "0", "NAME": "Заявка на отпуск", "DESCRIPTION": "", "MODIFIED": "2025-03-01T09:00:00+00:00",
         "IS_MODIFIED": "N", "USER_ID": "5", "SYSTEM_CODE": nil],
    ]

    private static func registerBizproc(into registry: inout MethodRegistry) {
        registry.add("bizproc.workflow.template.list", scope: "bizproc", adminOnly: true) { env in
            let filter = ListFilter(env.param("filter"))
            let select = env.param("select")?.arrayValue?.compactMap { $0.stringValue?.uppercased() }
            let rows = templates.filter { row in filter.matches { row[$0] } }.map { row -> JSONValue in
                guard let select, !select.isEmpty else { return .object(row) }
                var narrowed = JSONObject()
                for key in select { if let value = row[key] { narrowed[key] = value } }
                return .object(narrowed)
            }
            return Paging.page(rows, start: Paging.start(env))
        }
        registry.add("bizproc.workflow.start", scope: "bizproc") { env in
            guard let templateID = env.param("TEMPLATE_ID")?.intValue, templateID > 0 else {
                throw RestError(400, "ERROR_WRONG_WORKFLOW_ID", "Empty TEMPLATE_ID")
            }
            guard let template = templates.first(where: { $0["ID"]?.intValue == templateID }) else {
                throw RestError(400, "ERROR_WRONG_WORKFLOW_ID", "Template not found")
            }
            guard let document = env.param("DOCUMENT_ID")?.arrayValue?.compactMap(\.stringValue), document.count == 3 else {
                throw RestError(400, "", "Wrong DOCUMENT_ID!")
            }
            guard document[1] == template["ENTITY"]?.stringValue else {
                throw RestError(400, "", "Template type and DOCUMENT_ID mismatch!")
            }
            let number = counters.withLock { counters -> Int in
                counters.workflow += 1
                return counters.workflow
            }
            // Bitrix workflow ids look like uniqid("", true): 14 hex digits, a dot, 8 digits.
            var random = SeededRandom(seed: env.portal.options.seed ^ UInt64(number))
            return MethodOutput(.string(random.hex(length: 14) + "." + String(10_000_000 + Int(random.next() % 89_999_999))))
        }
    }

    // MARK: sonet, disk, scrum, calendar, timeman, entity, ai, landing, userconsent

    private static func registerSmallPacks(into registry: inout MethodRegistry) {
        registry.add("sonet_group.get", scope: "sonet_group") { env in
            let rows: [JSONValue] = [
                ["ID": "1", "SITE_ID": "s1", "NAME": "Sandbox project", "DESCRIPTION": "Проект песочницы",
                 "DATE_CREATE": "2025-01-05T10:00:00+00:00", "DATE_UPDATE": "2025-03-01T10:00:00+00:00",
                 "ACTIVE": "Y", "VISIBLE": "Y", "OPENED": "Y", "CLOSED": "N", "SUBJECT_ID": "1", "OWNER_ID": "1",
                 "KEYWORDS": "", "NUMBER_OF_MEMBERS": "4", "DATE_ACTIVITY": "2025-03-01T10:00:00+00:00",
                 "SUBJECT_NAME": "Рабочие группы", "PROJECT": "Y", "IS_EXTRANET": "N"],
                ["ID": "2", "SITE_ID": "s1", "NAME": "Marketing", "DESCRIPTION": "", "DATE_CREATE": "2025-02-01T10:00:00+00:00",
                 "DATE_UPDATE": "2025-02-01T10:00:00+00:00", "ACTIVE": "Y", "VISIBLE": "Y", "OPENED": "N", "CLOSED": "N",
                 "SUBJECT_ID": "1", "OWNER_ID": "5", "KEYWORDS": "", "NUMBER_OF_MEMBERS": "2",
                 "DATE_ACTIVITY": "2025-02-10T10:00:00+00:00", "SUBJECT_NAME": "Рабочие группы", "PROJECT": "N",
                 "IS_EXTRANET": "N"],
            ]
            let filter = ListFilter(env.param("FILTER"))
            return Paging.page(rows.filter { row in filter.matches { row[$0] } }, start: Paging.start(env))
        }
        registry.add("disk.storage.getlist", scope: "disk") { env in
            let rows: [JSONValue] = [
                ["ID": "1", "NAME": "Анна Смирнова", "CODE": nil, "MODULE_ID": "disk", "ENTITY_TYPE": "user",
                 "ENTITY_ID": "1", "ROOT_OBJECT_ID": "1"],
                ["ID": "2", "NAME": "Общий диск", "CODE": "shared_files_s1", "MODULE_ID": "disk", "ENTITY_TYPE": "common",
                 "ENTITY_ID": "shared_files_s1", "ROOT_OBJECT_ID": "2"],
            ]
            let filter = ListFilter(env.param("filter"))
            return Paging.page(rows.filter { row in filter.matches { row[$0] } }, start: Paging.start(env))
        }
        registry.add("disk.folder.getchildren", scope: "disk") { env in
            guard let id = env.param("id")?.intValue, id > 0 else {
                throw RestError(400, "ERROR_ARGUMENT", "Invalid value of parameter {Parameter #1}")
            }
            guard id == 1 || id == 2 else { throw RestError(400, "ERROR_NOT_FOUND", "Could not find entity with id \(id)") }
            let base = env.portal.baseURL
            let rows: [JSONObject] = [
                ["ID": .string("\(id * 10 + 1)"), "NAME": "Договоры", "CODE": nil, "STORAGE_ID": .string("\(id)"),
                 "TYPE": "folder", "REAL_OBJECT_ID": .string("\(id * 10 + 1)"), "PARENT_ID": .string("\(id)"),
                 "DELETED_TYPE": "0", "CREATE_TIME": "2026-01-13T16:16:35+00:00", "UPDATE_TIME": "2026-01-13T16:16:35+00:00",
                 "DELETE_TIME": nil, "CREATED_BY": "1", "UPDATED_BY": "1", "DELETED_BY": "0",
                 "DETAIL_URL": .string(base + "/company/personal/user/1/disk/path/Договоры")],
                ["ID": .string("\(id * 10 + 2)"), "NAME": "price-list.xlsx", "CODE": nil, "STORAGE_ID": .string("\(id)"),
                 "TYPE": "file", "PARENT_ID": .string("\(id)"), "DELETED_TYPE": "0", "GLOBAL_CONTENT_VERSION": "1",
                 "FILE_ID": "32718", "SIZE": "52486", "CREATE_TIME": "2026-01-14T17:05:05+00:00",
                 "UPDATE_TIME": "2026-01-14T17:05:39+00:00", "DELETE_TIME": nil, "CREATED_BY": "1", "UPDATED_BY": "1",
                 "DELETED_BY": "0", "DOWNLOAD_URL": .string(base + "/rest/download.json?token=disk%7C\(id * 10 + 2)"),
                 "DETAIL_URL": .string(base + "/company/personal/user/1/disk/file/price-list.xlsx")],
            ]
            let filter = ListFilter(env.param("filter"))
            return Paging.page(rows.filter { row in filter.matches { row[$0] } }.map { .object($0) },
                               start: Paging.start(env))
        }
        registry.add("tasks.api.scrum.sprint.list", scope: "task") { env in
            let rows: [JSONObject] = [
                ["id": 1, "groupId": 1, "entityType": "sprint", "name": "Sprint 1", "goal": "MVP", "sort": 1,
                 "createdBy": 1, "modifiedBy": 1, "dateStart": "2025-03-03T09:00:00+00:00",
                 "dateEnd": "2025-03-17T18:00:00+00:00", "status": "completed"],
                ["id": 2, "groupId": 1, "entityType": "sprint", "name": "Спринт 2", "goal": "", "sort": 2,
                 "createdBy": 1, "modifiedBy": 1, "dateStart": "2025-03-17T09:00:00+00:00",
                 "dateEnd": "2025-03-31T18:00:00+00:00", "status": "active"],
            ]
            let filter = ListFilter(env.param("filter"), uppercaseFields: false)
            return Paging.page(rows.filter { row in filter.matches { row[$0] } }.map { .object($0) },
                               start: Paging.start(env))
        }
        registry.add("calendar.event.get", scope: "calendar") { env in
            guard let type = env.param("type")?.stringValue, !type.isEmpty else {
                throw RestError(400, "", "Mandatory parameter not specified \"type\" for the method \"calendar.event.get\"")
            }
            guard let owner = env.param("ownerId")?.intValue ?? (type == "company_calendar" ? 0 : nil) else {
                throw RestError(400, "", "Mandatory parameter not specified \"ownerId\" for the method \"calendar.event.get\"")
            }
            guard type == "user" else { return MethodOutput([]) }
            let from = env.param("from")?.stringValue.flatMap(PortalClock.parse) ?? 0
            let to = env.param("to")?.stringValue.flatMap(PortalClock.parse) ?? .greatestFiniteMagnitude
            let rows: [JSONValue] = (0..<6).compactMap { index -> JSONValue? in
                let start = 1_767_225_600.0 + Double(index) * 7 * 86_400 + 9 * 3_600  // 2026-01-01, weekly
                guard start >= from, start <= to else { return nil }
                let id = String(100 + index)
                return [
                    "ID": .string(id), "PARENT_ID": .string(id), "DELETED": "N", "CAL_TYPE": "user",
                    "OWNER_ID": .string(String(owner)), "NAME": .string(index % 2 == 0 ? "Планёрка" : "Client call"),
                    "DATE_FROM": .string(usDate(start)), "DATE_TO": .string(usDate(start + 3_600)),
                    "TZ_FROM": "UTC", "TZ_TO": "UTC", "TZ_OFFSET_FROM": "0", "TZ_OFFSET_TO": "0",
                    "DATE_FROM_TS_UTC": .string(String(Int(start))), "DATE_TO_TS_UTC": .string(String(Int(start) + 3_600)),
                    "DT_SKIP_TIME": "N", "DT_LENGTH": 3600, "EVENT_TYPE": nil, "CREATED_BY": .string(String(owner)),
                    "DESCRIPTION": "", "PRIVATE_EVENT": "", "ACCESSIBILITY": "busy", "IMPORTANCE": "normal",
                    "IS_MEETING": false, "MEETING_STATUS": nil, "MEETING_HOST": .string(String(owner)),
                    "LOCATION": "", "REMIND": [["type": "min", "count": 15]], "COLOR": "#9dcf00", "RRULE": "",
                    "SECTION_ID": "1", "ATTENDEES_CODES": [.string("U\(owner)")],
                ]
            }
            return MethodOutput(.array(rows))
        }
        registry.add("timeman.status", scope: "timeman") { env in
            let userID = Int(env.param("USER_ID")?.intValue ?? Int64(env.caller.userID))
            guard env.portal.directory.user(userID) != nil else { throw RestError(400, "", "User not found") }
            let day = (env.now / 86_400).rounded(.down) * 86_400
            let opened = userID % 3 != 0
            return MethodOutput([
                "STATUS": opened ? "OPENED" : "CLOSED", "TIME_START": .string(PortalClock.iso(day + 8 * 3_600)),
                "TIME_FINISH": opened ? nil : .string(PortalClock.iso(day + 17 * 3_600)),
                "DURATION": opened ? "00:00:00" : "08:30:00", "TIME_LEAKS": "00:30:00", "ACTIVE": .bool(opened),
                "IP_OPEN": "", "IP_CLOSE": "", "LAT_OPEN": 0, "LON_OPEN": 0, "LAT_CLOSE": 0, "LON_CLOSE": 0,
                "TZ_OFFSET": 0, "TIME_FINISH_DEFAULT": .string(PortalClock.iso(day + 17 * 3_600)),
            ])
        }
        registry.add("entity.item.get", scope: "entity", appOnly: .accessDenied) { env in
            guard let entity = env.param("ENTITY")?.stringValue?.trimmingCharacters(in: .whitespaces), !entity.isEmpty else {
                throw RestError.argument("ENTITY")
            }
            if entity.count > 13 {
                throw RestError.argument("ENTITY", "Entity code is too long. Max length is 13 characters.")
            }
            guard entity == "dish" else { throw RestError(400, "ERROR_ENTITY_NOT_FOUND", "Entity not found") }
            let names = ["Борщ", "Caesar salad", "Пельмени", "Tiramisu", "Оливье"]
            var rows: [JSONObject] = names.enumerated().map { index, name in
                [
                    "ID": .string(String(2331 + index)), "TIMESTAMP_X": "2026-03-25T12:29:06+00:00", "MODIFIED_BY": "1",
                    "DATE_CREATE": "2026-03-25T12:29:06+00:00", "CREATED_BY": "1", "ACTIVE": "Y",
                    "DATE_ACTIVE_FROM": "", "DATE_ACTIVE_TO": "", "SORT": .string(String(500 + index * 10)),
                    "NAME": .string(name), "PREVIEW_PICTURE": nil, "PREVIEW_TEXT": nil, "DETAIL_PICTURE": nil,
                    "DETAIL_TEXT": nil, "CODE": nil, "ENTITY": "dish", "SECTION": nil,
                ]
            }
            let filter = ListFilter(env.param("FILTER"))
            rows = rows.filter { row in filter.matches { row[$0] } }
            if let sort = env.param("SORT")?.objectValue, let first = sort.elements.first {
                let key = first.key.uppercased(), descending = first.value.stringValue?.uppercased() == "DESC"
                rows.sort { a, b in
                    let c = ListFilter.orderedBefore(a[key], b[key])
                    return descending ? c > 0 : c < 0
                }
            }
            return Paging.page(rows.map { .object($0) }, start: Paging.start(env))
        }
        registry.add("ai.engine.list", scope: "ai_admin") { env in
            let rows: [JSONObject] = [
                ["id": 12, "app_code": .string(env.portal.identity.clientID), "name": "Sandbox GPT", "code": "sandbox_gpt",
                 "category": "text", "completions_url": .string(env.portal.baseURL + "/sandbox-app/ai"),
                 "settings": ["code_alias": "ChatGPT", "model_context_type": "token", "model_context_limit": 15666],
                 "date_create": 1_774_078_200],
                ["id": 13, "app_code": .string(env.portal.identity.clientID), "name": "Sandbox Image", "code": "sandbox_img",
                 "category": "image", "completions_url": .string(env.portal.baseURL + "/sandbox-app/ai-image"),
                 "settings": [], "date_create": 1_774_078_260],
            ]
            // Filter keys are documented in upper case; the rows use lower case.
            var filterObject = JSONObject()
            for (key, value) in env.param("filter")?.objectValue ?? [:] { filterObject[key.lowercased()] = value }
            let filter = ListFilter(.object(filterObject), uppercaseFields: false)
            let limit = Int(env.param("limit")?.intValue ?? 50)
            return MethodOutput(.array(rows.filter { row in filter.matches { row[$0] } }.prefix(max(0, limit)).map { .object($0) }))
        }
        registry.add("landing.site.getlist", scope: "landing") { env in
            let params = env.param("params")
            let rows: [JSONObject] = [
                ["ID": "157", "TITLE": "Песочница: лендинг", "TYPE": "PAGE", "CODE": "sandbox", "ACTIVE": "Y", "DELETED": "N",
                 "DATE_CREATE": "2025-01-20T10:00:00+00:00"],
                ["ID": "147", "TITLE": "Sandbox Store", "TYPE": "STORE", "CODE": "store", "ACTIVE": "Y", "DELETED": "N",
                 "DATE_CREATE": "2025-01-10T10:00:00+00:00"],
                ["ID": "3", "TITLE": "Old promo", "TYPE": "PAGE", "CODE": "promo", "ACTIVE": "N", "DELETED": "Y",
                 "DATE_CREATE": "2024-05-10T10:00:00+00:00"],
            ]
            let filter = ListFilter(params?.member(caseInsensitive: "filter"))
            var picked = rows.filter { row in filter.matches { row[$0] } }
            if let order = params?.member(caseInsensitive: "order")?.objectValue, let first = order.elements.first {
                let key = first.key.uppercased(), descending = first.value.stringValue?.uppercased() == "DESC"
                picked.sort { a, b in
                    let c = ListFilter.orderedBefore(a[key], b[key])
                    return descending ? c > 0 : c < 0
                }
            }
            let select = params?.member(caseInsensitive: "select")?.arrayValue?.compactMap { $0.stringValue?.uppercased() }
            return MethodOutput(.array(picked.map { row in
                guard let select, !select.isEmpty else { return .object(row) }
                var narrowed = JSONObject()
                for key in select { if let value = row[key] { narrowed[key] = value } }
                return .object(narrowed)
            }))
        }
        registry.add("userconsent.agreement.list", scope: "userconsent") { _ in
            MethodOutput([
                ["ID": "3", "NAME": "Согласие на обработку персональных данных", "ACTIVE": "Y", "LANGUAGE_ID": "ru"],
                ["ID": "2", "NAME": "Cookie consent", "ACTIVE": "Y", "LANGUAGE_ID": "en"],
                ["ID": "1", "NAME": "Example of consent for processing personal data", "ACTIVE": "Y", "LANGUAGE_ID": nil],
            ])
        }
    }

    /// `12/11/2024 05:59:00 pm`, the calendar's US-style date text.
    static func usDate(_ unix: Double) -> String {
        let iso = PortalClock.iso(unix)
        let parts = Array(iso.utf8).map { Character(UnicodeScalar($0)) }
        let year = String(parts[0..<4]), month = String(parts[5..<7]), day = String(parts[8..<10])
        var hour = Int(String(parts[11..<13])) ?? 0
        let rest = String(parts[13..<19])
        let suffix = hour >= 12 ? "pm" : "am"
        hour = hour % 12 == 0 ? 12 : hour % 12
        return "\(month)/\(day)/\(year) \(String(format2: hour))\(rest) \(suffix)"
    }

    // MARK: sale / catalog (numeric error codes)

    private static func registerCommerce(into registry: inout MethodRegistry) {
        registry.add("sale.order.list", scope: "sale") { env in
            guard env.caller.isAdmin else {
                throw RestError(status: 400, code: .int(200040300010), description: "Access denied")
            }
            if let order = env.param("order"), order.objectValue == nil {
                throw RestError(status: 400, code: .int(0), description: "error")
            }
            let orders: [JSONObject] = (1...12).map { id in
                let created = PortalClock.iso(1_735_689_600 + Double(id) * 86_400)
                return [
                    "id": .int(Int64(id)), "accountNumber": .string(String(100 + id)), "lid": "s1",
                    "dateInsert": .string(created), "dateUpdate": .string(created), "personTypeId": .int(id % 2 == 0 ? 3 : 4),
                    "personTypeXmlId": "", "statusId": id % 3 == 0 ? "F" : "N", "statusXmlId": "", "dateStatus": .string(created),
                    "empStatusId": 1, "marked": "N", "dateMarked": nil, "empMarkedId": nil, "reasonMarked": "",
                    "price": .double(Double(id) * 1176), "discountValue": 0, "taxValue": .double(Double(id) * 196),
                    "userDescription": "", "additionalInfo": "", "comments": "", "companyId": nil, "responsibleId": 1,
                    "recurringId": "", "lockedBy": "", "dateLock": nil, "recountFlag": "Y", "affiliateId": nil,
                    "updated1c": "N", "orderTopic": "", "xmlId": .string("bx_\(id)"), "id1c": "", "version": 0,
                    "version1c": "", "externalOrder": "N", "canceled": "N", "dateCanceled": nil, "empCanceledId": nil,
                    "reasonCanceled": "", "userId": .int(Int64(id % 10 + 1)), "currency": id % 2 == 0 ? "RUB" : "USD",
                    "payed": id % 4 == 0 ? "Y" : "N", "deducted": "N",
                ]
            }
            return try camelList(env, rows: orders, key: "orders")
        }
        registry.add("catalog.product.list", scope: "catalog") { env in
            guard env.caller.isAdmin else {
                throw RestError(status: 400, code: .int(200040300010), description: "Access denied")
            }
            let select = env.param("select")?.arrayValue?.compactMap(\.stringValue) ?? []
            guard select.contains("id"), select.contains("iblockId") else {
                throw RestError(status: 400, code: .int(0), description: "Fields id, iblockId are not specified in the selection fields")
            }
            guard let filter = env.param("filter")?.objectValue, filter.keys.contains(where: { $0.hasSuffix("iblockId") }) else {
                throw RestError(status: 400, code: .int(0), description: "Field iblockId is not specified in the filter")
            }
            let names = ["Ноутбук", "Monitor 27\"", "Клавиатура", "Mouse", "Кресло офисное", "Desk lamp"]
            let products: [JSONObject] = names.enumerated().map { index, name in
                [
                    "id": .int(Int64(1243 + index)), "iblockId": 23, "name": .string(name), "active": "Y", "available": "Y",
                    "bundle": "N", "canBuyZero": "Y", "code": .string("product-\(index + 1)"), "createdBy": 1,
                    "dateCreate": "2024-05-27T10:00:00+00:00", "iblockSectionId": 47, "measure": 5, "modifiedBy": 1,
                    "purchasingCurrency": "RUB", "purchasingPrice": .double(Double(1000 * (index + 1))),
                    "quantity": .int(Int64(10 * index)), "quantityReserved": 0, "quantityTrace": "D", "sort": 500,
                    "timestampX": "2024-05-28T10:00:00+00:00", "type": 1, "vatId": .int(Int64(index % 2 + 1)),
                    "vatIncluded": "Y", "weight": 1000, "xmlId": .string("\(1243 + index)"), "detailText": nil,
                    "previewText": nil, "height": 100, "length": 100, "width": 100,
                ]
            }
            return try camelList(env, rows: products, key: "products")
        }
    }

    /// Lists with camelCase filter/order/select keys and the result wrapped under `key` (sale, catalog).
    private static func camelList(_ env: CallEnv, rows: [JSONObject], key: String) throws -> MethodOutput {
        let filter = ListFilter(env.param("filter"), uppercaseFields: false)
        var picked = rows.filter { row in filter.matches { row[$0] } }
        if let order = env.param("order")?.objectValue, let first = order.elements.first {
            let field = first.key, descending = first.value.stringValue?.uppercased() == "DESC"
            picked.sort { a, b in
                let c = ListFilter.orderedBefore(a[field], b[field])
                return descending ? c > 0 : c < 0
            }
        }
        let select = env.param("select")?.arrayValue?.compactMap(\.stringValue)
        let shaped: [JSONValue] = picked.map { row in
            guard let select, !select.isEmpty, !select.contains("*") else { return .object(row) }
            var narrowed = JSONObject()
            for name in select { if let value = row[name] { narrowed[name] = value } }
            return .object(narrowed)
        }
        let page = Paging.page(shaped, start: Paging.start(env))
        return MethodOutput([key: page.result], total: page.total, next: page.next)
    }
}
