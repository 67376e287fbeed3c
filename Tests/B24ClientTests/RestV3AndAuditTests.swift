import B24Client
import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("REST 3.0, audit switches, batch answer shapes, operating-time limit")
struct RestV3AndAuditTests {
    @Test("REST 3.0: v3 URL for webhooks, typed v3 errors, and writes carry an Idempotency-Key the portal honours")
    func restV3() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let list = await client.call(CallRequest(method: "tasks.task.list", params: ["select": ["id", "title"]], apiVersion: .v3))
        #expect(list.failure == nil)
        #expect(list.trace.request.url.contains("/rest/api/1/"))
        #expect(list.value?["items"]?.arrayValue?.isEmpty == false)

        let missing = await client.call(CallRequest(method: "tasks.task.get", params: [:], apiVersion: .v3))
        guard case .portal(let error) = missing.failure else {
            Issue.record("expected a v3 portal error")
            return
        }
        #expect(error.apiVersion == .v3)
        #expect(error.code.hasPrefix("BITRIX_REST_V3_EXCEPTION_"))
        #expect(error.httpStatus == 400)

        var add = CallRequest(method: "tasks.task.add",
                              params: ["fields": ["title": "Через REST 3.0", "creatorId": 1, "responsibleId": 1]], apiVersion: .v3)
        add.confirmWrite = true
        add.idempotencyKey = "b24-test-v3-key-1"
        let created = await client.call(add)
        #expect(created.failure == nil, "\(String(describing: created.failure))")
        #expect(created.value?["item"]?["id"] != nil)
        // A client with its own store (another machine) sends the same key: the portal replays its stored answer,
        // so a resend after a lost local record does not create a second task.
        let other = try ClientTestEnvironment.isolatedClient(env: env)
        let resent = await other.call(add)
        #expect(resent.failure == nil)
        #expect(resent.value?["item"]?["id"] == created.value?["item"]?["id"])
        #expect(env.sandbox.stats.calls("tasks.task.add") == 2)

        // The same write through v2 is another call: not answered with the v3 reply, and its key is its own.
        var v2 = CallRequest(method: "tasks.task.add", params: add.params)
        v2.confirmWrite = true
        let classic = await client.call(v2)
        #expect(classic.trace.replayed == false)
        #expect(classic.trace.idempotencyKey != created.trace.idempotencyKey)
        v2.idempotencyKey = add.idempotencyKey
        let reused = await client.call(v2)
        #expect(reused.failure?.exitCode == B24ExitCode.policy, "a v3 key reused for the v2 call is refused")
    }

    @Test("--no-audit turns off the JSONL line only; history still has the trace")
    func noAudit() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.audit = false
        let client = try env.webhookClient(options: options)
        let outcome = await client.call(CallRequest(method: "user.current"))
        #expect(outcome.failure == nil)
        #expect(FileManager.default.fileExists(atPath: env.paths.auditFile.path) == false)
        #expect(try client.store().trace(id: outcome.trace.id)?.method == "user.current")
    }

    @Test("Batch answers: list-shaped result_error and [] for empty maps are read per command")
    func batchAnswerShapes() throws {
        let commands = [BatchCommand(key: "0", encoded: "crm.lead.get?id=1"), BatchCommand(key: "1", encoded: "crm.lead.get?id=2")]
        let answer = try JSONParser.parse("""
            {"result":[],"result_error":[{"error":"","error_description":"Not found"},{"error":"","error_description":"Not found"}],
             "result_total":[],"result_next":[],"result_time":[]}
            """)
        let results = B24Client.batchResults(answer, commands: commands)
        #expect(results.map(\.error?.message) == ["Not found", "Not found"])
        #expect(results.allSatisfy { $0.ran && $0.result == nil })
        let mixed = try JSONParser.parse("""
            {"result":{"1":{"ID":"2"}},"result_error":{"0":{"error":"ERROR_CORE","error_description":"x"}},
             "result_total":[],"result_next":[]}
            """)
        let read = B24Client.batchResults(mixed, commands: commands)
        #expect(read[0].error?.code == "ERROR_CORE")
        #expect(read[1].result?["ID"]?.stringValue == "2")
    }

    @Test("An exhausted operating-time budget: the client stops calling the method and says when it resets")
    func operatingLimit() async throws {
        var options = ClientTestEnvironment.quietSandbox()
        options.operatingLimitSeconds = 2
        options.simulatedOperatingSeconds = ["crm.lead.list": 1.5]
        let env = try await ClientTestEnvironment(sandbox: options)
        defer { Task { await env.stop() } }
        var clientOptions = ClientTestEnvironment.fastOptions()
        clientOptions.maxOperatingWait = 1
        let client = try env.webhookClient(options: clientOptions)
        var outcomes: [CallOutcome] = []
        for _ in 0..<4 { outcomes.append(await client.call(CallRequest(method: "crm.lead.list"))) }
        #expect(outcomes[0].failure == nil)
        let stopped = try #require(outcomes.last?.failure)
        #expect(stopped.message.contains("operating") || stopped.message.contains("OPERATION_TIME_LIMIT"))
        // Once the budget is known to be spent, later calls are refused locally instead of hammering the portal.
        #expect(env.sandbox.stats.operationTimeLimit == 1)
        #expect(outcomes.dropFirst(2).allSatisfy { $0.failure?.exitCode == B24ExitCode.policy })

        // The portal charges each webhook separately: another webhook on the same portal still gets through.
        let crm = try WebhookAuth.parse(env.sandbox.crmWebhookURL.absoluteString)
        let other = try B24Client(
            profile: ResolvedProfile(profile: Profile(name: "crm", portal: crm.portal, auth: .webhook(crm.auth)), isSaved: false),
            paths: env.paths, options: clientOptions)
        #expect(await other.call(CallRequest(method: "crm.lead.list")).failure == nil)
    }
}

extension ClientTestEnvironment {
    /// A client on the same portal with its own history/idempotency store (as on another machine).
    static func isolatedClient(env: ClientTestEnvironment) throws -> B24Client {
        let root = env.root.appendingPathComponent("other-machine")
        let paths = B24Paths(configDirectory: root.appendingPathComponent("c"), stateDirectory: root.appendingPathComponent("s"))
        let parsed = try WebhookAuth.parse(env.adminWebhook.absoluteString)
        let profile = Profile(name: "sandbox", portal: parsed.portal, auth: .webhook(parsed.auth))
        return try B24Client(profile: ResolvedProfile(profile: profile, isSaved: false), paths: paths, options: fastOptions())
    }
}
