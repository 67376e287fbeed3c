import B24Client
import B24Wire
import Foundation
import Testing

@Suite("Diagnosis: read-only hypotheses about a failed or empty call")
struct DiagnosisTests {
    /// A boolean user field keeps 1/0: the filter with Y finds nothing, and the diagnosis says which spelling does.
    @Test func anEmptyListIsExplainedByTheValueThatMatches() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let request = CallRequest(method: "crm.lead.list", params: ["filter": ["UF_CRM_LEAD_VIP": "Y"], "select": ["ID"]])
        let outcome = await client.call(request)
        let envelope = try outcome.result.get()
        #expect(envelope["total"]?.intValue == 0)
        let direct = try await client.call(CallRequest(method: "crm.lead.list", params: ["filter": ["UF_CRM_LEAD_VIP": "1"]])).result.get()
        let vip = try #require(direct["total"]?.intValue)
        #expect(vip > 0)
        let found = FindingLog()
        let report = await client.diagnose(DiagnosisSubject(trace: outcome.trace), onFinding: found.add)
        #expect(report.verdict == "crm.lead.list: the filter `UF_CRM_LEAD_VIP=Y` matches nothing; with `1` it matches \(vip)")
        #expect(report.findings.contains { $0.check == "method exists" && $0.kind == .fine }, "\(report.findings)")
        #expect(report.findings.contains { $0.check == "who" && $0.evidence.contains("an administrator") })
        #expect(found.findings == report.findings)  // each finding was reported as it was made
        #expect(report.calls.first == #"method.get {"name":"crm.lead.list"}"#)
    }

    @Test func aMissingScopeIsTheVerdict() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let parsed = try WebhookAuth.parse(env.sandbox.crmWebhookURL.absoluteString)
        let profile = Profile(name: "crm-only", portal: parsed.portal, auth: .webhook(parsed.auth))
        try AuthStore(paths: env.paths).add(profile, replace: true)
        let client = try B24Client(profile: ResolvedProfile(profile: profile, isSaved: true), paths: env.paths,
                                   options: ClientTestEnvironment.fastOptions())
        let outcome = await client.call(CallRequest(method: "tasks.task.list"))
        #expect(outcome.trace.error?.code == "insufficient_scope")
        let report = await client.diagnose(DiagnosisSubject(trace: outcome.trace))
        #expect(report.verdict == "tasks.task.list exists, but this webhook lacks scope `task`")
        #expect(report.findings.contains { $0.check == "scope" && $0.kind == .cause && $0.evidence.contains("granted are only: crm") })
    }

    @Test func aMethodThatDoesNotExist() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let outcome = await client.call(CallRequest(method: "crm.lead.lst"))
        let report = await client.diagnose(DiagnosisSubject(trace: outcome.trace))
        #expect(report.verdict.hasPrefix("crm.lead.lst does not exist on this portal"))
    }

    /// A call on one object that is not there: the list method looked for it.
    @Test func aMissingObjectIsTheVerdict() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let task = await client.call(CallRequest(method: "tasks.task.get", params: ["taskId": 99_999]))
        #expect(task.trace.error != nil)
        let report = await client.diagnose(DiagnosisSubject(trace: task.trace))
        #expect(report.verdict == "tasks.task.get: no object 99999 that this user can see (tasks.task.list finds none)")
        let lead = await client.call(CallRequest(method: "crm.lead.get", params: ["id": 1]))
        let fine = await client.diagnose(DiagnosisSubject(trace: lead.trace))
        #expect(fine.findings.contains { $0.check == "object" && $0.kind == .fine })
    }

    /// A write is diagnosed with reads only: the portal never sees it again.
    @Test func aFailedWriteIsNeverSentAgain() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        var write = CallRequest(method: "crm.lead.update", params: ["id": 987_654, "fields": ["TITLE": "x"]])
        write.confirmWrite = true
        let outcome = await client.call(write)
        #expect(outcome.trace.error != nil)
        let before = env.sandbox.stats.calls("crm.lead.update")
        let report = await client.diagnose(DiagnosisSubject(trace: outcome.trace))
        #expect(env.sandbox.stats.calls("crm.lead.update") == before)
        #expect(!report.calls.contains { $0.hasPrefix("crm.lead.update") })
        #expect(report.findings.contains { $0.evidence.contains("never sends it again") })
    }

    /// Diagnosis calls are not history: the user's history keeps only their own calls.
    @Test func diagnosisCallsStayOutOfHistory() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let outcome = await client.call(CallRequest(method: "crm.lead.list", params: ["filter": ["UF_CRM_LEAD_VIP": "Y"]]))
        _ = await client.diagnose(DiagnosisSubject(trace: outcome.trace))
        let methods = try client.store().recentHistory(limit: 50).map(\.method)
        #expect(methods == ["crm.lead.list"])
    }
}

/// Collects findings as the diagnosis reports them.
final class FindingLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [DiagnosisFinding] = []
    var findings: [DiagnosisFinding] { lock.lock(); defer { lock.unlock() }; return items }
    var add: @Sendable (DiagnosisFinding) -> Void {
        { finding in self.lock.lock(); self.items.append(finding); self.lock.unlock() }
    }
}
