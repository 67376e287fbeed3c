import B24Client
import B24Sandbox
import B24Wire
import Foundation
import Hummingbird
import Testing

@Suite("Guardrail edge cases: identities, plans, failed batches, cursors, shared bucket, portal moves")
struct GuardrailEdgeTests {
    @Test("Idempotency is bound to the portal identity, and a reused key with other params is refused")
    func idempotencyIdentity() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let admin = try env.webhookClient()
        var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Same params"]])
        add.confirmWrite = true
        #expect(await admin.call(add).failure == nil)

        // The crm webhook (another user) with the same profile name and params is a different caller.
        let parsed = try WebhookAuth.parse(env.sandbox.crmWebhookURL.absoluteString)
        let other = try B24Client(
            profile: ResolvedProfile(profile: Profile(name: "sandbox", portal: parsed.portal, auth: .webhook(parsed.auth)), isSaved: false),
            paths: env.paths, options: ClientTestEnvironment.fastOptions())
        let second = await other.call(add)
        #expect(second.trace.replayed == false)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 2)

        var reused = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "First"]])
        reused.confirmWrite = true
        reused.idempotencyKey = "shared-key-1"
        #expect(await admin.call(reused).failure == nil)
        reused.params = ["fields": ["TITLE": "Something else"]]
        let refused = await admin.call(reused)
        guard case .policy(let message) = refused.failure else {
            Issue.record("a reused key with other params must be refused, got \(String(describing: refused.failure))")
            return
        }
        #expect(message.contains("different call"))
        #expect(env.sandbox.stats.calls("crm.lead.add") == 3)
    }

    @Test("Executing a plan without its confirmation does not use the plan up")
    func planSurvivesMissingConfirmation() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let plan = try client.plan(CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Planned"]]))
        let unconfirmed = await client.executePlan(id: plan.id, confirmWrite: false, confirmDestructive: false)
        #expect(unconfirmed.failure?.exitCode == B24ExitCode.policy)
        // The refusal is audited as the planned call, not as an anonymous read.
        #expect(unconfirmed.trace.method == "crm.lead.add")
        #expect(unconfirmed.trace.risk == "write")
        #expect(unconfirmed.trace.planID == plan.id)
        let confirmed = await client.executePlan(id: plan.id, confirmWrite: true, confirmDestructive: false)
        #expect(confirmed.failure == nil)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
    }

    @Test("A batch whose commands all failed is not replayed: the same batch runs again")
    func failedBatchNotReplayed() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let commands = [BatchCommand(key: "gone", encoded: "crm.lead.update?id=999999999&fields[TITLE]=x")]
        let first = await client.batch(commands, halt: false, confirmWrite: true, confirmDestructive: false)
        #expect(first.results.first?.error != nil)
        let again = await client.batch(commands, halt: false, confirmWrite: true, confirmDestructive: false)
        #expect(again.traces.first?.replayed == false)
        #expect(env.sandbox.stats.calls("batch") == 2)
    }

    @Test("--fast walks crm.item.list with its camelCase id cursor")
    func fastCrmItemList() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let outcome = await client.callAllPages(
            CallRequest(method: "crm.item.list", params: ["entityTypeId": 1, "select": ["id"]]), fast: true)
        #expect(outcome.error == nil)
        #expect(outcome.items.count == 200)
        #expect(Set(outcome.items.compactMap { $0["id"]?.intValue }).count == 200)
    }

    @Test("A 503 from the portal marks the shared bucket full for every process")
    func rateLimitMarksBucketFull() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.bucket = "50/1"
        let client = try env.webhookClient(options: options)
        env.sandbox.injectFault(.status(503), method: "user.current", count: 1)
        let outcome = await client.call(CallRequest(method: "user.current"))
        #expect(outcome.failure == nil)
        let shared = SharedLeakyBucket(portal: SharedLeakyBucket.portalKey(for: env.sandbox.baseURL),
                                       settings: LimiterSettings(burst: 50, perSecond: 1), paths: env.paths)
        #expect(try shared.currentLevel() > 40, "another process sees a (nearly) full bucket")
    }

    @Test("Environment OAuth profiles refresh once for concurrent callers and never reuse a rotated token")
    func unsavedProfileRefresh() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let tokens = env.sandbox.issueTokens(userID: 1)
        let profile = try #require(try ProfileResolver.environmentProfile([
            "B24_DOMAIN": env.sandbox.baseURL.absoluteString, "B24_AUTH_MODE": "oauth",
            "B24_ACCESS_TOKEN": tokens.access, "B24_REFRESH_TOKEN": tokens.refresh,
            "B24_CLIENT_ID": env.sandbox.oauthClientID, "B24_CLIENT_SECRET": env.sandbox.oauthClientSecret,
            "B24_OAUTH_SERVER": env.sandbox.oauthServerURL.absoluteString,
        ]))
        let client = try B24Client(profile: ResolvedProfile(profile: profile, isSaved: false), paths: env.paths,
                                   options: ClientTestEnvironment.fastOptions())
        env.sandbox.expireAccessTokens()
        let first = await withTaskGroup(of: CallOutcome.self) { group in
            for _ in 0..<8 { group.addTask { await client.call(CallRequest(method: "user.current")) } }
            return await group.reduce(into: [CallOutcome]()) { $0.append($1) }
        }
        #expect(first.allSatisfy { $0.failure == nil })
        #expect(env.sandbox.stats.tokenGrants["refresh_token"] == 1)
    }

    @Test("A portal that moved (302) is followed once, for writes too, and the trace says to update the profile")
    func portalMove() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let target = env.sandbox.baseURL.absoluteString
        let router = Router()
        router.post("/**") { request, _ -> Response in
            Response(status: .found, headers: [.location: target + request.uri.path])
        }
        let ports = PortCollector()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ports.set($0.localAddress?.port ?? 0) })
        let server = Task { try await app.run() }
        defer { server.cancel() }
        let port = try await ports.wait()
        let oldAddress = env.adminWebhook.absoluteString.replacingOccurrences(
            of: "\(env.sandbox.baseURL.port!)", with: "\(port)")
        let parsed = try WebhookAuth.parse(oldAddress)
        let client = try B24Client(
            profile: ResolvedProfile(profile: Profile(name: "moved", portal: parsed.portal, auth: .webhook(parsed.auth)), isSaved: false),
            paths: env.paths, options: ClientTestEnvironment.fastOptions())
        var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "After the move"]])
        add.confirmWrite = true
        let outcome = await client.call(add)
        #expect(outcome.failure == nil, "\(String(describing: outcome.failure))")
        #expect(outcome.trace.attempts.first?.errorCode == "PORTAL_MOVED")
        #expect(outcome.trace.attempts.first?.note?.contains("update the profile") == true)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
    }
}

/// Hands a test server's bound port to the test.
final class PortCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0

    func set(_ value: Int) { lock.withLock { port = value } }

    func wait() async throws -> Int {
        for _ in 0..<500 {
            if let value = lock.withLock({ port > 0 ? port : nil }) { return value }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw B24Error.usage("test server did not start")
    }
}
