import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("Persistence")
struct PersistenceTests {
    @Test func writesAndTokensSurviveRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sbx-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = quietOptions { $0.dataPath = path }
        var refresh = ""
        var access = ""
        try await withSandbox(options) { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            #expect(try await call(hook, "crm.lead.add", ["fields": ["TITLE": "Persisted"]]).json?["result"] == 201)
            #expect(try await call(hook, "crm.lead.update", ["id": 5, "fields": ["TITLE": "Changed"]]).status == 200)
            #expect(try await call(hook, "crm.lead.delete", ["id": 6]).status == 200)
            let tokens = sandbox.issueTokens(userID: 1)
            refresh = tokens.refresh
            access = tokens.access
            // Tasks, event bindings and the offline queue are kept too.
            #expect(try await call(hook, "tasks.task.add", ["fields": ["TITLE": "Persisted task", "RESPONSIBLE_ID": 1]])
                .json?["result"]?["task"]?["id"] == "61")
            #expect(try await call(hook, "tasks.task.delete", ["taskId": 2]).status == 200)
            _ = try await appCall(sandbox, access, "event.bind", ["event": "ONCRMLEADUPDATE", "event_type": "offline"])
            #expect(try await call(hook, "crm.lead.update", ["id": 7, "fields": ["TITLE": "Queued"]]).status == 200)
        }
        try await withSandbox(options) { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            #expect(try await call(hook, "crm.lead.get", ["id": 201]).json?["result"]?["TITLE"] == "Persisted")
            #expect(try await call(hook, "crm.lead.get", ["id": 5]).json?["result"]?["TITLE"] == "Changed")
            #expect(try await call(hook, "crm.lead.get", ["id": 6]).status == 400)
            #expect(try await call(hook, "crm.lead.list").json?["total"] == 200)
            #expect(try await call(hook, "crm.lead.add", ["fields": ["TITLE": "Next"]]).json?["result"] == 202)
            let viaToken = try await send(URL(string: sandbox.baseURL.absoluteString + "/rest/profile?auth=\(access)")!, method: "GET")
            #expect(viaToken.status == 200)
            let body = PHPForm.encode(["grant_type": "refresh_token", "client_id": .string(sandbox.oauthClientID),
                                       "client_secret": .string(sandbox.oauthClientSecret), "refresh_token": .string(refresh)])
            #expect(try await send(URL(string: sandbox.oauthServerURL.absoluteString + "token/")!, .form(body)).status == 200)
            #expect(try await call(hook, "tasks.task.get", ["taskId": 61]).json?["result"]?["task"]?["title"] == "Persisted task")
            #expect(try await call(hook, "tasks.task.get", ["taskId": 2]).json?["error"] != nil)
            let bound = try await appCall(sandbox, access, "event.get")
            #expect(bound.json?["result"]?.arrayValue?.count == 1)
            let queued = try await appCall(sandbox, access, "event.offline.get", ["clear": 0])
            #expect(queued.json?["result"]?["events"]?[0]?["EVENT_NAME"] == "ONCRMLEADUPDATE")
            // Tokens minted after a restart are new ones, never a repeat of an earlier run's.
            #expect(sandbox.issueTokens(userID: 2).access != access)
        }
    }
}
