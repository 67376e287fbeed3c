import B24Sandbox
import B24Wire
import Foundation
import Testing

/// `/rest/api/{user}/{code}/` for the admin webhook.
func v3Base(_ sandbox: Sandbox) -> URL {
    let hook = sandbox.adminWebhookURL.absoluteString
    return URL(string: hook.replacingOccurrences(of: "/rest/", with: "/rest/api/"))!
}

@Suite("REST 3.0")
struct RestV3Tests {
    @Test("get with an empty select returns only id; without select the whole task")
    func emptySelect() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let get = v3Base(sandbox).appendingPathComponent("tasks.task.get")
            let bare = try await send(get, .json(["id": 1, "select": []]))
            #expect(bare.json?["result"]?["item"] == ["id": 1])
            let full = try await send(get, .json(["id": 1]))
            #expect((full.json?["result"]?["item"]?.objectValue?.count ?? 0) > 10)
        }
    }

    @Test func tasksCRUD() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let api = v3Base(sandbox)
            let added = try await call(api, "tasks.task.add", ["fields": [
                "title": "Task Title", "deadline": "2030-12-31T23:59:59+02:00", "creatorId": 1, "responsibleId": 2,
                "crmItemIds": ["L_5"], "priority": "high",
            ]])
            #expect(added.status == 200)
            let item = try #require(added.json?["result"]?["item"])
            let id = try #require(item["id"]?.intValue)
            #expect(item["status"] == "pending")
            #expect(item["priority"] == "high")
            #expect(item["mark"] == "none")
            #expect(item["crmItemIds"] == ["L_5"])
            #expect(added.json?["time"]?["operating"] != nil)

            let related = try await call(api, "tasks.task.get", ["id": .int(id), "select": ["responsible.name", "responsible.email"]])
            #expect(related.json?["result"]?["item"]?["responsible"] == ["name": "John", "email": "john.smith@sandbox.example"])
            let narrow = try await call(api, "tasks.task.get", ["id": .int(id), "select": ["id", "title"]])
            #expect(narrow.json?["result"]?["item"] == ["id": .int(id), "title": "Task Title"])
            let unknownRelated = try await call(api, "tasks.task.get", ["id": .int(id), "select": ["responsible.stageId"]])
            #expect(unknownRelated.status == 400)
            #expect(unknownRelated.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_UNKNOWNDTOPROPERTYEXCEPTION")
            #expect(unknownRelated.json?["error"]?["message"] == "Unknown field `stageId` for entity `UserDto`")

            let updated = try await call(api, "tasks.task.update", ["id": .int(id), "fields": ["status": "in_progress"]])
            #expect(updated.json?["result"] == ["result": true])
            let creator = try await call(api, "tasks.task.update", ["id": .int(id), "fields": ["creatorId": 2]])
            #expect(creator.status == 400)
            #expect(creator.json?["error"]?["validation"]?[0]?["field"] == "creatorId")
            #expect(try await call(api, "tasks.task.get", ["id": .int(id)]).json?["result"]?["item"]?["status"] == "in_progress")
            let deleted = try await call(api, "tasks.task.delete", ["id": .int(id)])
            #expect(deleted.json?["result"] == ["result": true])
            let gone = try await call(api, "tasks.task.get", ["id": .int(id)])
            #expect(gone.status == 400)
            #expect(gone.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION")
            #expect(gone.json?["result"] == nil)
        }
    }

    @Test func validationAndQueryIgnored() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let api = v3Base(sandbox)
            let query = try await send(URL(string: api.absoluteString + "tasks.task.get?id=51")!, method: "GET")
            #expect(query.status == 400)
            #expect(query.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION")
            #expect(query.json?["error"]?["validation"] == [["field": "id", "message": "Required field `id` is not specified"]])
            let stringID = try await call(api, "tasks.task.get", ["id": "51"])
            #expect(stringID.json?["error"]?["validation"]?[0]?["message"] == "Field `id` requires data type `int` for this request")
            let missing = try await call(api, "tasks.task.add", ["fields": ["title": "x"]])
            #expect(missing.json?["error"]?["validation"]?.arrayValue?.count == 2)
            let badDate = try await call(api, "tasks.task.add", ["fields": ["title": "x", "creatorId": 1, "responsibleId": 1,
                                                                           "deadline": "tomorrow"]])
            #expect(badDate.json?["error"]?["validation"]?[0]?["field"] == "deadline")
            let form = try await send(URL(string: api.absoluteString + "tasks.task.get")!, .form("id=1"))
            #expect(form.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDJSONEXCEPTION")
            let v2Only = try await call(api, "crm.lead.list")
            #expect(v2Only.status == 404)
            #expect(v2Only.json?["error"]?["code"] == "ERROR_METHOD_NOT_FOUND")
            let scope = try await call(URL(string: sandbox.crmWebhookURL.absoluteString.replacingOccurrences(
                of: "/rest/", with: "/rest/api/"))!, "tasks.task.list")
            #expect(scope.status == 403)
            #expect(scope.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION")
        }
    }

    @Test func listSelectFilterPagination() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let api = v3Base(sandbox)
            let plain = try #require(try await call(api, "tasks.task.list").json)
            #expect(plain["result"]?["items"]?[0] == ["id": 1])
            #expect(plain["result"]?["items"]?.arrayValue?.count == 50)
            #expect(plain["total"] == nil)
            let page = try #require(try await call(api, "tasks.task.list", [
                "select": ["id", "title", "status", "responsible.name"], "filter": [["id", ">", 10]],
                "order": ["id": "DESC"], "pagination": ["page": 2, "limit": 5],
            ]).json)
            let items = try #require(page["result"]?["items"]?.arrayValue)
            #expect(items.compactMap { $0["id"]?.intValue } == [55, 54, 53, 52, 51])
            #expect(items[0]["responsible"]?["name"] != nil)
            #expect(items[0]["status"]?.stringValue != nil)
            let or = try #require(try await call(api, "tasks.task.list", ["filter": [
                ["id", "<", 30], ["logic": "or", "conditions": [["id", [1, 2]], ["id", "in", [3, 40]]]],
            ]]).json)
            #expect(or["result"]?["items"] == [["id": 1], ["id": 2], ["id": 3]])
            let between = try #require(try await call(api, "tasks.task.list", ["filter": [["id", "between", [5, 7]]]]).json)
            #expect(between["result"]?["items"]?.arrayValue?.count == 3)
            let badField = try await call(api, "tasks.task.list", ["filter": [["title", "=", "x"]]])
            #expect(badField.status == 400)
            #expect(badField.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION")
            let badOp = try await call(api, "tasks.task.list", ["filter": [["id", "like", 1]]])
            #expect(badOp.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_UNKNOWNFILTEROPERATOREXCEPTION")
            let badPage = try await call(api, "tasks.task.list", ["pagination": ["limit": "abc"]])
            #expect(badPage.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDPAGINATIONEXCEPTION")
            #expect(badPage.json?["error"]?["message"] == "Unable to recognize the pagination parameter `{\"limit\":\"abc\"}`")
            let tooBig = try await call(api, "tasks.task.list", ["pagination": ["limit": 1001]])
            #expect(tooBig.status == 400)
            let big = try await call(api, "tasks.task.list", ["pagination": ["limit": 1000]])
            #expect(big.json?["result"]?["items"]?.arrayValue?.count == 60)
        }
    }

    @Test func idempotency() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let url = URL(string: v3Base(sandbox).absoluteString + "tasks.task.add")!
            let body: JSONValue = ["fields": ["title": "Prepare a report", "responsibleId": 1, "creatorId": 1]]
            let key = "9f1c1a7e-5f1b-4a1e-9a2c-2f5f2b6c7d80"
            let first = try await send(url, .json(body), headers: ["Idempotency-Key": key])
            #expect(first.status == 200)
            #expect(first.header("Idempotency-Key") == key)
            #expect(first.header("Idempotent-Replayed") == nil)
            let replay = try await send(url, .json(body), headers: ["Idempotency-Key": key])
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.header("Idempotency-Key") == key)
            #expect(replay.body == first.body)
            let other = try await send(url, .json(["fields": ["title": "Other", "responsibleId": 1, "creatorId": 1]]),
                                       headers: ["Idempotency-Key": key])
            #expect(other.status == 422)
            #expect(other.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_IDEMPOTENCYKEYREUSEDEXCEPTION")
            let bad = try await send(url, .json(body), headers: ["Idempotency-Key": String(repeating: "k", count: 256)])
            #expect(bad.status == 400)
            #expect(bad.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDIDEMPOTENCYKEYEXCEPTION")
            // Errors are not stored: the same key works once the request is valid.
            let failing = try await send(url, .json(["fields": ["title": "x"]]), headers: ["Idempotency-Key": "k2"])
            #expect(failing.status == 400)
            let fixed = try await send(url, .json(body), headers: ["Idempotency-Key": "k2"])
            #expect(fixed.status == 200)
            #expect(fixed.header("Idempotent-Replayed") == nil)
            // Only one task was created per key.
            let list = try await call(v3Base(sandbox), "tasks.task.list", ["pagination": ["limit": 1000]])
            #expect(list.json?["result"]?["items"]?.arrayValue?.count == 62)
        }
    }

    @Test func batchOpenAPIScopes() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let api = v3Base(sandbox)
            let batch = try await send(URL(string: api.absoluteString + "batch")!, .json([
                ["method": "tasks.task.get", "query": ["id": 2, "select": ["id", "title"]]],
                ["method": "tasks.task.get", "query": ["id": 3, "select": ["id"]]],
            ]))
            #expect(batch.status == 200)
            #expect(batch.json?["result"]?[1] == ["item": ["id": 3]])
            #expect(batch.json?["result"]?[0]?["item"]?["title"]?.stringValue != nil)
            // All or nothing: the add is rolled back when a later command fails.
            let failing = try await send(URL(string: api.absoluteString + "batch")!, .json([
                ["method": "tasks.task.add", "query": ["fields": ["title": "t", "creatorId": 1, "responsibleId": 1]]],
                ["method": "tasks.task.get", "query": ["id": 9999]],
            ]))
            #expect(failing.status == 400)
            #expect(failing.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION")
            let count = try await call(api, "tasks.task.list", ["pagination": ["limit": 1000]])
            #expect(count.json?["result"]?["items"]?.arrayValue?.count == 60)
            let legacy = try await call(api, "batch", ["cmd": ["a": "tasks.task.get?id=1"]])
            #expect(legacy.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDSELECTEXCEPTION")

            let openapi = try await send(URL(string: api.absoluteString + "rest.documentation.openapi")!, method: "GET")
            #expect(openapi.json?["result"]?["openapi"] == "3.0.0")
            #expect(openapi.json?["result"]?["info"]?["title"] == "Bitrix24 REST V3 API")
            #expect(openapi.json?["result"]?["paths"]?["/tasks.task.get"] != nil)
            #expect(openapi.json?["result"]?["components"]?["schemas"]?["TaskDto"] != nil)
            let alias = try await call(api, "documentation")
            #expect(alias.json?["result"]?["info"]?["version"] == "1.0.0")
            let scopes = try await call(api, "rest.scope.list")
            #expect(scopes.json?["result"]?["items"]?.arrayValue?.contains(["method": "tasks.task.add", "scope": "task"]) == true)
            // OAuth form: /rest/api/{method} with the token in the body.
            let tokens = sandbox.issueTokens(userID: 1)
            let app = try await send(URL(string: sandbox.baseURL.absoluteString + "/rest/api/tasks.task.get")!,
                                     .json(["id": 1, "select": ["id"], "auth": .string(tokens.access)]))
            #expect(app.json?["result"]?["item"] == ["id": 1])
        }
    }

    @Test func documentedShapes() async throws {
        guard examplesFolder != nil else { return }
        try await withSandbox { (sandbox: Sandbox) async throws in
            let api = v3Base(sandbox)
            let add = try #require(loadExample("tasks.task.add.rest3.json"))
            let ours = try await call(api, "tasks.task.add", add["request"]?["body"] ?? .null)
            var expected = try #require(add["response"]?["result"]?["item"]?.objectValue)
            for key in ["checklist", "archiveLink", "chatId"] { expected[key] = nil }
            let problems = shapeDifferences(expected: .object(expected), actual: ours.json?["result"]?["item"] ?? .null)
            #expect(problems.isEmpty, "\(problems)")
            for name in ["rest3.success.bool.json", "tasks.task.update.rest3.json"] {
                let example = try #require(loadExample(name))
                let response = try await call(api, "tasks.task.update", ["id": 4, "fields": ["title": "z"]])
                let problems = shapeDifferences(expected: example["response"]?["result"] ?? .null,
                                                actual: response.json?["result"] ?? .null)
                #expect(problems.isEmpty, "\(name): \(problems)")
            }
        }
    }
}
