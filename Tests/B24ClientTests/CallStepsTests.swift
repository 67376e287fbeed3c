import B24Client
import B24Wire
import Foundation
import Testing

@Suite("The step view's story of a call, live and from history")
struct CallStepsTests {
    /// A 503 then a success: the stored trace tells it in order, with the wait's reason and words kept.
    @Test func aRetriedCallReadsInOrderFromHistory() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        env.sandbox.injectFault(.status(503), method: "user.current", count: 1)
        let outcome = await client.call(CallRequest(method: "user.current"))
        let stored = try #require(try client.store().trace(id: outcome.trace.id))
        let steps = stored.steps()
        #expect(steps.map(\.kind) == [.request, .attempt, .wait, .attempt, .outcome])
        #expect(steps[1].summary.hasPrefix("attempt 1  HTTP 503 QUERY_LIMIT_EXCEEDED"))
        #expect(steps[1].details.last == "→ retry (backoff)")
        #expect(steps[2].summary.hasPrefix("wait ") && steps[2].summary.hasSuffix("(backoff)"))
        #expect(steps[2].details == ["before attempt 2 of user.current (backoff after QUERY_LIMIT_EXCEEDED)"])
        #expect(steps[3].summary.hasPrefix("attempt 2  HTTP 200"))
        #expect(steps[4].summary.hasPrefix("ok in") && steps[4].tone == .good)
        // Times increase down the list, and the secret is nowhere.
        let offsets = steps.compactMap(\.offset)
        #expect(offsets == offsets.sorted())
        #expect(!steps.map { $0.summary + $0.details.joined() }.joined().contains(env.webhookCode))
    }

    /// Folding the events as they arrive gives what is under way: a wait knows when it ends.
    @Test func aRunningWaitKnowsWhenItEnds() throws {
        let start = Date(timeIntervalSince1970: 1_000)
        var live = TraceBuilder(CallTrace(profile: "p", method: "crm.lead.list", apiVersion: .v2, risk: "read",
                                          request: .init(httpMethod: "POST", url: "u", params: [:]), startedAt: start))
        live.apply(.attemptStarted(number: 1), now: start)
        live.apply(.attemptAnswered(number: 1, httpStatus: 429, errorCode: "OPERATION_TIME_LIMIT", duration: 0.1, note: nil), now: start)
        live.apply(.decision(.retry(reason: "operating-reset")), now: start)
        let wait = CallWait(reason: .operatingReset, seconds: 30, detail: "for the operating-time budget of crm.lead.list to reset")
        live.apply(.waiting(wait), now: start.addingTimeInterval(0.2))
        let steps = live.trace.steps(current: live.current, finished: false)
        let running = try #require(steps.last)
        #expect(running.endsAt == start.addingTimeInterval(30.2))
        #expect(running.details.first?.contains("operating-time budget of crm.lead.list") == true)
        #expect(steps.filter { $0.kind == .wait }.count == 1)  // the running wait is not listed twice
    }

    /// A failed call ends with its cause and its next action, from the one table.
    @Test func aFailureEndsWithWhyAndNext() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let outcome = await client.call(CallRequest(method: "crm.lead.get", params: ["id": 987_654]))
        let last = try #require(outcome.trace.steps().last)
        #expect(last.tone == .bad)
        #expect(last.details.contains { $0.hasPrefix("why: no object with this id exists") })
        #expect(last.details.contains { $0.hasPrefix("next: check the id") })
    }

    /// A batch: one row per command, `$result[…]` shown with the value it took, and what halt did.
    @Test func batchCommandsWithReferencesAndHalt() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let params: JSONValue = [
            "halt": 1,
            "cmd": [
                "me": "user.current",
                "lead": "crm.lead.list?filter[ASSIGNED_BY_ID]=$result[me][ID]&select[]=ID",
                "bad": "crm.lead.get?id=987654",
                "after": "department.get",
            ],
        ]
        let outcome = await client.call(CallRequest(method: "batch", params: params))
        let commands = outcome.trace.steps().filter { $0.kind == .command }
        #expect(commands.count == 5)
        #expect(commands[0].summary == "command me  user.current  → ok")
        #expect(commands[1].details.first == "filter[ASSIGNED_BY_ID]=$result[me][ID] = 1&select[]=ID")
        #expect(commands[2].summary.hasSuffix("→ error"))
        #expect(commands[2].details.contains { $0.hasPrefix("next: ") })
        #expect(commands[3].summary == "command after  department.get  → not run")
        #expect(commands[4].summary.hasPrefix("halt is on: the portal stopped at the first failed command (bad); 1 command after it"))
    }
}
