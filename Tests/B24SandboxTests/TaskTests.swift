import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("Tasks v2")
struct TaskTests {
    @Test func addGetUpdateComplete() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            let added = try await call(hook, "tasks.task.add", ["fields": [
                "TITLE": "Позвонить клиенту", "RESPONSIBLE_ID": 2, "DEADLINE": "2030-12-31T23:59:59",
                "UF_CRM_TASK": ["L_4", "D_10"],
            ]])
            #expect(added.status == 200)
            let task = try #require(added.json?["result"]?["task"])
            let id = try #require(task["id"]?.stringValue)
            #expect(task["title"] == "Позвонить клиенту")
            #expect(task["responsibleId"] == "2")
            #expect(task["createdBy"] == "1")
            #expect(task["status"] == "2")
            #expect(task["ufCrmTask"] == nil)  // UF_* only when selected
            #expect(task["deadline"]?.stringValue?.hasPrefix("2030-12-31T23:59:59") == true)

            let got = try await call(hook, "tasks.task.get", ["taskId": .string(id), "select": ["ID", "TITLE", "UF_CRM_TASK"]])
            let view = try #require(got.json?["result"]?["task"])
            #expect(view["ufCrmTask"] == ["L_4", "D_10"])
            #expect(view["title"] == "Позвонить клиенту")
            #expect(view["description"] == nil)

            let updated = try await call(hook, "tasks.task.update", ["taskId": .string(id), "fields": ["TITLE": "Renamed"]])
            #expect(updated.json?["result"]?["task"]?["title"] == "Renamed")
            let completed = try await call(hook, "tasks.task.complete", ["taskId": .string(id)])
            #expect(completed.json?["result"]?["task"]?["status"] == "5")
            #expect(completed.json?["result"]?["task"]?["closedBy"] == "1")
            let again = try await call(hook, "tasks.task.complete", ["taskId": .string(id)])
            #expect(again.status == 400)
            #expect(again.json == ["error": "0", "error_description": "Action on the task is not allowed"])
        }
    }

    @Test func errors() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            let noTitle = try await call(hook, "tasks.task.add", ["fields": ["RESPONSIBLE_ID": 1]])
            #expect(noTitle.status == 400)
            #expect(noTitle.json == ["error": "ERROR_CORE", "error_description": "Task title is not specified<br>"])
            let noFields = try await call(hook, "tasks.task.add")
            #expect(noFields.json?["error"] == "100")
            let badID = try await call(hook, "tasks.task.get", ["taskId": "abc"])
            #expect(badID.json == ["error": "0", "error_description": "wrong task id"])
            let noID = try await call(hook, "tasks.task.get")
            #expect(noID.json?["error"] == "100")
            let badSelect = try await call(hook, "tasks.task.get", ["taskId": 1, "select": .emptyObject])
            #expect(badSelect.json?["error"] == "100")
            let badOrder = try await call(hook, "tasks.task.list", ["order": ["NOPE": "asc"]])
            #expect(badOrder.json == ["error": "0", "error_description": "Invalid sorting key (internal error)"])
            let selfParent = try await call(hook, "tasks.task.update", ["taskId": 3, "fields": ["PARENT_ID": 3]])
            #expect(selfParent.json?["error_description"] == "Cannot bind the node to itself<br>")
            // The crm-only webhook lacks the task scope.
            let scope = try await call(sandbox.crmWebhookURL, "tasks.task.list")
            #expect(scope.status == 403)
            #expect(scope.json?["error"] == "insufficient_scope")
        }
    }

    @Test func listPagingFilterOrder() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            let first = try #require(try await call(hook, "tasks.task.list").json)
            #expect(first["total"] == 60)
            #expect(first["next"] == 50)
            #expect(first["result"]?["tasks"]?.arrayValue?.count == 50)
            let second = try #require(try await call(hook, "tasks.task.list", ["start": 50]).json)
            #expect(second["next"] == nil)
            #expect(second["result"]?["tasks"]?.arrayValue?.count == 10)
            let mine = try #require(try await call(hook, "tasks.task.list", [
                "filter": ["RESPONSIBLE_ID": 2, "!REAL_STATUS": 5], "select": ["ID", "TITLE", "RESPONSIBLE_ID", "STATUS"],
                "order": ["ID": "desc"],
            ]).json)
            let rows = try #require(mine["result"]?["tasks"]?.arrayValue)
            #expect(rows.allSatisfy { $0["responsibleId"] == "2" && $0["status"] != "5" })
            let ids = rows.compactMap { $0["id"]?.intValue }
            #expect(ids == ids.sorted(by: >))
            #expect(rows.first?["subStatus"] != nil)
            // Cyrillic and Latin titles both exist; some tasks link to CRM.
            let all = try #require(try await call(hook, "tasks.task.list", ["select": ["TITLE", "UF_CRM_TASK"], "start": 0]).json)
            let titles = all["result"]?["tasks"]?.arrayValue?.compactMap { $0["title"]?.stringValue } ?? []
            #expect(titles.contains { $0.unicodeScalars.contains { $0.value >= 0x400 && $0.value < 0x500 } })
            #expect(titles.contains { $0.first?.isASCII == true })
            let linked = all["result"]?["tasks"]?.arrayValue?.filter { !($0["ufCrmTask"]?.arrayValue?.isEmpty ?? true) }
            #expect((linked?.count ?? 0) > 0)
        }
    }

    @Test func documentedShapes() async throws {
        guard examplesFolder != nil else { return }
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            for (name, method, params) in [
                ("tasks.task.add.json", "tasks.task.add", ["fields": ["TITLE": "x", "RESPONSIBLE_ID": 1]] as JSONValue),
                ("tasks.task.get.json", "tasks.task.get", ["taskId": 5, "select": ["ID", "TITLE", "DESCRIPTION",
                    "CREATED_BY", "RESPONSIBLE_ID", "DEADLINE", "UF_CRM_TASK", "UF_TASK_WEBDAV_FILES", "UF_MAIL_MESSAGE"]]),
                ("tasks.task.update.json", "tasks.task.update", ["taskId": 7, "fields": ["TITLE": "y"]]),
            ] {
                let example = try #require(loadExample(name))
                let ours = try #require(try await call(hook, method, params).json)
                var expected = try #require(example["response"]?["result"]?["task"]?.objectValue)
                // Documented values that depend on data (checklists, optional keys of other tasks) are not shape.
                for key in ["checklist", "checkListTree", "checkListCanAdd", "group", "accomplicesData", "auditorsData",
                            "deadline"] { expected[key] = nil }
                let problems = shapeDifferences(expected: .object(expected), actual: ours["result"]?["task"] ?? .null)
                #expect(problems.isEmpty, "\(name): \(problems)")
            }
        }
    }
}
