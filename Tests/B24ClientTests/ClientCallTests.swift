import B24Client
import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("Calls through the shared client against the sandbox")
struct ClientCallTests {
    @Test("user.current by webhook: result, one attempt, history and audit written, no secret on disk")
    func webhookCall() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let outcome = await client.call(CallRequest(method: "user.current"))
        #expect(outcome.failure == nil)
        #expect(outcome.value?["ID"]?.stringValue == "1")
        #expect(outcome.trace.attempts.count == 1)
        #expect(outcome.trace.request.url.contains(env.webhookCode) == false)
        let history = try client.store().recentHistory(limit: 5)
        #expect(history.first?.method == "user.current")
        #expect(history.first?.status == "ok")
        let audit = try String(contentsOf: env.paths.auditFile, encoding: .utf8)
        #expect(audit.contains("\"method\":\"user.current\""))
        #expect(try env.everythingWritten().contains(env.webhookCode) == false)
    }

    @Test("A secret the portal echoes back is masked in the result, history and audit")
    func echoedSecretIsMasked() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        // A lead whose title carries the webhook code, as a pasted handler URL or a note might.
        var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": .string("hook code \(env.webhookCode) here")]])
        add.confirmWrite = true
        let created = await client.call(add)
        let id = try #require(created.value?.intValue)
        let read = await client.call(CallRequest(method: "crm.lead.get", params: ["id": .int(id)]))
        let title = try #require(read.value?["TITLE"]?.stringValue)
        #expect(title.hasPrefix("hook code ") && title.hasSuffix(" here"))
        #expect(title.contains(env.webhookCode) == false)
        #expect(try env.everythingWritten().contains(env.webhookCode) == false)
    }

    @Test("Allowlist: a method outside the packs is blocked before any request; packs and allowlists open it")
    func allowlist() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let blocked = await (try env.webhookClient()).call(CallRequest(method: "sale.order.list"))
        guard case .refused(let refusal) = blocked.failure else {
            Issue.record("expected a guardrail refusal, got \(String(describing: blocked.failure))")
            return
        }
        #expect(refusal.gate == .notAllowed)
        #expect(refusal.cliText.contains("commerce"))
        #expect(env.sandbox.stats.calls("sale.order.list") == 0)

        var options = ClientTestEnvironment.fastOptions()
        options.packs = ["none"]
        options.methodAllowlist = ["user.*"]
        let narrow = try env.webhookClient(options: options)
        #expect(await narrow.call(CallRequest(method: "user.current")).failure == nil)
        #expect(await narrow.call(CallRequest(method: "crm.lead.list")).failure?.exitCode == B24ExitCode.policy)

        var open = ClientTestEnvironment.fastOptions()
        open.allowUnlisted = true
        let outcome = await (try env.webhookClient(options: open)).call(CallRequest(method: "server.time"))
        #expect(outcome.failure == nil)
    }

    @Test("Method names with spaces and non-object params are usage errors, nothing is sent")
    func badInput() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let spaced = await client.call(CallRequest(method: "user current"))
        #expect(spaced.failure?.exitCode == B24ExitCode.usage)
        let listParams = await client.call(CallRequest(method: "user.get", params: [1, 2]))
        #expect(listParams.failure?.exitCode == B24ExitCode.usage)
        #expect(env.sandbox.stats.totalRequests == 0)
    }

    @Test("Writes need --confirm-write, destructive calls --confirm-destructive, read-only refuses both")
    func confirmations() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Confirm test"]])
        #expect(await client.call(add).failure?.exitCode == B24ExitCode.policy)
        var confirmed = add
        confirmed.confirmWrite = true
        let created = await client.call(confirmed)
        #expect(created.failure == nil)
        let id = try #require(created.value?.intValue)

        var delete = CallRequest(method: "crm.lead.delete", params: ["id": .int(id)])
        delete.confirmWrite = true
        #expect(await client.call(delete).failure?.exitCode == B24ExitCode.policy, "write confirmation is not enough")
        delete.confirmDestructive = true
        #expect(await client.call(delete).failure == nil)

        let readOnly = try env.webhookClient(readOnly: true)
        #expect(await readOnly.call(confirmed).failure?.exitCode == B24ExitCode.policy)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
    }

    @Test("Plans: --plan-only sends nothing; a plan runs once, is bound to its profile and expires")
    func plans() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.requirePlan = true
        let client = try env.webhookClient(options: options)
        var request = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Planned lead"]])
        request.confirmWrite = true
        #expect(await client.call(request).failure?.exitCode == B24ExitCode.policy, "plans are mandatory here")

        let plan = try client.plan(request)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 0)
        let first = await client.executePlan(id: plan.id, confirmWrite: true, confirmDestructive: false)
        #expect(first.failure == nil)
        #expect(first.trace.planID == plan.id)
        let second = await client.executePlan(id: plan.id, confirmWrite: true, confirmDestructive: false)
        #expect(second.failure?.exitCode == B24ExitCode.policy)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)

        var shortLived = ClientTestEnvironment.fastOptions()
        shortLived.planTTL = 0.2
        let expiring = try env.webhookClient(options: shortLived)
        let stale = try expiring.plan(request)
        try await Task.sleep(nanoseconds: 400_000_000)
        let expired = await expiring.executePlan(id: stale.id, confirmWrite: true, confirmDestructive: false)
        guard case .policy(let message) = expired.failure else {
            Issue.record("expected an expired-plan error")
            return
        }
        #expect(message.contains("expired"))
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
    }

    @Test("Idempotency: the same write twice is replayed from the store without calling the portal")
    func idempotentReplay() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        var request = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Once only"]])
        request.confirmWrite = true
        let first = await client.call(request)
        let replay = await client.call(request)
        #expect(first.failure == nil)
        #expect(replay.trace.replayed)
        #expect(replay.value == first.value)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)

        request.idempotencyKey = "another-key-1"
        let fresh = await client.call(request)
        #expect(fresh.trace.replayed == false)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 2)
    }

    @Test("A write batch in which one command failed is replayed on a re-run, not sent again")
    func partialBatchIsReplayed() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        var request = CallRequest(method: "batch", params: ["cmd": [
            "add": "crm.lead.add?fields[TITLE]=Partial batch",
            "bad": "crm.lead.update?id=999999&fields[TITLE]=x",
        ]])
        request.confirmWrite = true
        let first = await client.call(request)
        #expect(first.trace.status == "partial")
        let again = await client.call(request)
        #expect(again.trace.replayed)
        #expect(again.value == first.value)
        #expect(env.sandbox.stats.calls("batch") == 1)
        let leads = await client.call(CallRequest(method: "crm.lead.list", params: ["filter": ["TITLE": "Partial batch"]]))
        #expect(leads.value?.arrayValue?.count == 1)
    }

    @Test("Reads retry 503 QUERY_LIMIT_EXCEEDED, 500 and proxy pages with backoff, then succeed")
    func readRetries() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        env.sandbox.injectFault(.status(503), method: "user.current", count: 1)
        env.sandbox.injectFault(.status(500), method: "user.current", count: 1)
        env.sandbox.injectFault(.html, method: "user.current", count: 1)
        let outcome = await client.call(CallRequest(method: "user.current"))
        #expect(outcome.failure == nil)
        #expect(outcome.trace.attempts.map(\.httpStatus) == [503, 500, 502, 200])
        #expect(outcome.trace.waits.filter { $0.reason == "backoff" }.count == 3)
    }

    @Test("Fatal codes are never retried")
    func fatalNotRetried() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.allowUnlisted = true
        let client = try env.webhookClient(options: options)
        let outcome = await client.call(CallRequest(method: "no.such.method"))
        guard case .portal(let error) = outcome.failure else {
            Issue.record("expected a portal error")
            return
        }
        #expect(error.code == "ERROR_METHOD_NOT_FOUND")
        #expect(outcome.trace.attempts.count == 1)
    }

    @Test("A write whose response is lost ends as outcome unknown and is not resent")
    func lostWriteResponse() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        env.sandbox.injectFault(.dropAfterRunning, method: "crm.lead.add", count: 1)
        var request = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Lost answer"]])
        request.confirmWrite = true
        let outcome = await client.call(request)
        guard case .outcomeUnknown = outcome.failure else {
            Issue.record("expected outcome unknown, got \(String(describing: outcome.failure))")
            return
        }
        #expect(outcome.failure?.exitCode == B24ExitCode.outcomeUnknown)
        #expect(outcome.trace.attempts.count == 1)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
        #expect(try client.store().recentHistory(limit: 1).first?.status == "unknown")

        // Running the same write again must not send it a second time: its first answer was lost.
        let again = await client.call(request)
        guard case .outcomeUnknown(_, let reason) = again.failure else {
            Issue.record("expected outcome unknown on the re-run, got \(String(describing: again.failure))")
            return
        }
        #expect(reason.contains("--idempotency-key"))
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
        // A new key is the explicit way to write it anyway.
        request.idempotencyKey = "after-checking-the-portal"
        #expect(await client.call(request).failure == nil)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 2)
    }

    @Test("The same write started four times at once reaches the portal once")
    func parallelDuplicateWrites() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        env.sandbox.injectFault(.slow(0.5), method: "crm.lead.add", count: 1)
        var request = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Once only"]])
        request.confirmWrite = true
        let outcomes = await withTaskGroup(of: CallOutcome.self) { group in
            for _ in 0..<4 { group.addTask { await client.call(request) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
        #expect(outcomes.filter { $0.failure == nil }.count >= 1)
        // The others were told the same write is in flight (or replayed its answer); none was sent.
        for outcome in outcomes where outcome.failure != nil {
            #expect(outcome.failure?.exitCode == B24ExitCode.outcomeUnknown)
        }
        let leads = await client.call(CallRequest(method: "crm.lead.list", params: ["filter": ["TITLE": "Once only"]]))
        #expect((try? leads.result.get())?["total"]?.intValue == 1)
    }

    @Test("A .json suffix or a trailing slash does not hide a write from the guardrails; .xml is refused")
    func formatSuffixes() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let delete = await client.call(CallRequest(method: "crm.lead.delete.json", params: ["id": 5]))
        #expect(delete.failure?.exitCode == B24ExitCode.policy)
        #expect(delete.failure?.message.contains("--confirm-destructive") == true)
        var readOnly = ClientTestEnvironment.fastOptions()
        readOnly.readOnly = true
        let add = await (try env.webhookClient(options: readOnly)).call(
            CallRequest(method: "CRM.Lead.Add.JSON/", params: ["fields": ["TITLE": "x"]]))
        #expect(add.failure?.exitCode == B24ExitCode.policy)
        let batch = await client.batch([BatchCommand(key: "a", encoded: "crm.lead.delete.json?id=12")],
                                       halt: false, confirmWrite: true, confirmDestructive: false)
        #expect(batch.error?.exitCode == B24ExitCode.policy)
        let xml = await client.call(CallRequest(method: "user.current.xml"))
        #expect(xml.failure?.exitCode == B24ExitCode.usage)
        #expect(env.sandbox.stats.calls("crm.lead.delete") == 0)
        #expect(env.sandbox.stats.calls("crm.lead.add") == 0)
        // A read with a suffix still works, under the name the portal runs.
        let read = await client.call(CallRequest(method: "user.current.json"))
        #expect(read.failure == nil)
        #expect(read.trace.method == "user.current")
    }

    @Test("REST 3.0 --all-pages walks pagination.page until a short page")
    func v3AllPages() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let request = CallRequest(method: "tasks.task.list", params: ["select": ["id"], "pagination": ["limit": 25]],
                                  apiVersion: .v3)
        let paged = await client.callAllPages(request, fast: false)
        #expect(paged.error == nil)
        let ids = paged.items.compactMap { $0["id"]?.intValue }
        #expect(ids.count > 25)
        #expect(Set(ids).count == ids.count)
        #expect(paged.pages == ids.count / 25 + 1)
        #expect(await client.callAllPages(request, fast: true).error?.exitCode == B24ExitCode.usage)
    }

    @Test("A write turned away by the rate limit (503) is retried: the portal provably did not run it")
    func writeRetriedOnRateLimit() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        env.sandbox.injectFault(.status(503), method: "crm.lead.add", count: 2)
        var request = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Rate limited"]])
        request.confirmWrite = true
        let outcome = await client.call(request)
        #expect(outcome.failure == nil)
        #expect(outcome.trace.attempts.count == 3)
    }

    @Test("Truncated JSON and HTML pages give typed errors; a write with a truncated answer is outcome unknown")
    func unreadableAnswers() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.maxAttempts = 1
        let client = try env.webhookClient(options: options)
        env.sandbox.injectFault(.html, method: "user.current", count: 1)
        guard case .http(let status, _) = await client.call(CallRequest(method: "user.current")).failure else {
            Issue.record("expected an HTTP error for a proxy page")
            return
        }
        #expect(status == 502)
        env.sandbox.injectFault(.truncate, method: "crm.lead.add", count: 1)
        var write = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Half an answer"]])
        write.confirmWrite = true
        let outcome = await client.call(write)
        #expect(outcome.failure?.exitCode == B24ExitCode.outcomeUnknown)
    }

    @Test("Connection refused and unknown hosts are transport errors with one clear message")
    func transportFailures() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-transport-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = B24Paths(configDirectory: root.appendingPathComponent("c"), stateDirectory: root.appendingPathComponent("s"))
        var options = ClientTestEnvironment.fastOptions()
        options.maxAttempts = 2
        for (url, kind) in [("http://127.0.0.1:9/rest/1/abcdefabcdef1234/", TransportFailureKind.connectionRefused),
                            ("https://no-such-host.invalid/rest/1/abcdefabcdef1234/", .unknownHost)]
        {
            let parsed = try WebhookAuth.parse(url)
            let profile = Profile(name: "x", portal: parsed.portal, auth: .webhook(parsed.auth))
            let client = try B24Client(profile: ResolvedProfile(profile: profile, isSaved: false), paths: paths, options: options)
            let outcome = await client.call(CallRequest(method: "user.current"))
            guard case .transport(let got, let message) = outcome.failure else {
                Issue.record("expected a transport error for \(url), got \(String(describing: outcome.failure))")
                continue
            }
            #expect(got == kind)
            #expect(message.contains("abcdefabcdef1234") == false)
            #expect(outcome.failure?.exitCode == B24ExitCode.transport)
        }
    }

    @Test("A slow portal hits the timeout: reads report a timeout, writes an unknown outcome")
    func timeouts() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.timeout = 0.5
        options.maxAttempts = 1
        let client = try env.webhookClient(options: options)
        env.sandbox.injectFault(.slow(2), method: "user.current", count: 1)
        guard case .transport(.timeout, _) = await client.call(CallRequest(method: "user.current")).failure else {
            Issue.record("expected a timeout")
            return
        }
        env.sandbox.injectFault(.slow(2), method: "crm.lead.add", count: 1)
        var write = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Slow"]])
        write.confirmWrite = true
        #expect(await client.call(write).failure?.exitCode == B24ExitCode.outcomeUnknown)
    }
}
