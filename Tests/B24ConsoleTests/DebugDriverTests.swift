@testable import B24Console
import B24Client
import B24Sandbox
import Foundation
import TerminalKit
import Testing

/// The debugger against the embedded sandbox, over real HTTP: a call's steps while it waits, cancelled from the step
/// view; a failed call explained; an empty list diagnosed.
@Suite("Debugging calls against the embedded sandbox", .serialized)
struct DebugDriverTests {
    @Test func aLongWaitCountsDownInTheStepViewAndXCancelsIt() async throws {
        let driver = try Driver(size: Size(width: 110, height: 30))
        await driver.waitFor("Анна Смирнова (id 1)")
        let sandbox = try #require(driver.services.embeddedSandbox)
        // The portal says the method's operating time is spent: b24 waits for the window to reset.
        sandbox.injectFault(.status(429), method: "department.get", count: 1)
        driver.command("call department.get {}")
        await driver.waitFor("running…")
        driver.press(.char("s"))
        await driver.waitFor("s left (x cancels) · waiting 600.00 s (operating-reset)")
        await driver.waitFor("for the operating-time budget of department.get to reset")
        let first = await driver.screen().text
        #expect(first.contains("attempt 1  HTTP 429 OPERATION_TIME_LIMIT"))
        #expect(first.contains("→ retry (operating-reset)"))
        // The countdown moves: soon it shows less than the full 600 s (how much less depends on the machine's load).
        var left = 600
        for _ in 0 ..< 300 where left >= 600 {
            let text = await driver.screen().text
            if let range = text.range(of: #"\d+ s left \(x cancels\)"#, options: .regularExpression) {
                left = Int(text[range].prefix { $0.isNumber }) ?? 600
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(left < 600)
        driver.press(.char("x"))
        await driver.waitFor("call cancelled")
        await driver.waitFor("cancelled in")
        // The client ended the call at once and recorded it as cancelled.
        let client = try #require(driver.services.currentClient)
        var status = ""
        for _ in 0 ..< 100 where status != "cancelled" {
            status = try client.store().recentHistory(limit: 5).first { $0.method == "department.get" }?.status ?? ""
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(status == "cancelled")
        await driver.quit()
    }

    /// Two 503s, then an answer: the steps show each attempt, b24's decision and the backoff between, in order.
    @Test func retriesAndBackoffShowInOrder() async throws {
        let driver = try Driver(size: Size(width: 110, height: 34))
        await driver.waitFor("Анна Смирнова (id 1)")
        let sandbox = try #require(driver.services.embeddedSandbox)
        sandbox.injectFault(.status(503), method: "server.time", count: 2)
        driver.command("call server.time {}")
        await driver.waitFor("Status    ok")
        driver.press(.char("s"))
        await driver.waitFor("┌ Steps")
        let lines = await driver.screen().text.split(separator: "\n").map(String.init)
        func row(_ text: String) -> Int? { lines.firstIndex { $0.contains(text) } }
        let order = ["attempt 1  HTTP 503 QUERY_LIMIT_EXCEEDED", "→ retry (backoff)", "(backoff)", "attempt 2  HTTP 503",
                     "attempt 3  HTTP 200", "ok in"].map(row)
        #expect(order.allSatisfy { $0 != nil }, "\(lines.joined(separator: "\n"))")
        let found = order.compactMap { $0 }
        #expect(found == found.sorted(), "steps out of order:\n\(lines.joined(separator: "\n"))")
        await driver.quit()
    }

    @Test func aFailedCallOpensOnItsStepsWithWhyAndNext() async throws {
        let driver = try Driver(size: Size(width: 110, height: 30))
        await driver.waitFor("Анна Смирнова (id 1)")
        driver.command("call crm.lead.get {\"id\":987654}")
        await driver.waitFor("┌ Steps")
        let screen = await driver.screen().text
        #expect(screen.contains("why: no object with this id exists"))
        #expect(screen.contains("key: d diagnoses this call against the portal (read-only)"))
        #expect(screen.contains("d diagnose"))
        await driver.quit()
    }

    @Test func anEmptyListIsDiagnosedWithTheVariantThatMatches() async throws {
        let driver = try Driver(size: Size(width: 110, height: 34))
        await driver.waitFor("Анна Смирнова (id 1)")
        driver.command(#"call crm.lead.list {"filter":{"UF_CRM_LEAD_VIP":"Y"},"select":["ID"]}"#)
        await driver.waitFor("total 0")
        driver.press(.char("d"))
        await driver.waitFor("Read calls made (none of them a write)")
        let client = try #require(driver.services.currentClient)
        let vip = try #require(try await client.call(CallRequest(method: "crm.lead.list", params: ["filter": ["UF_CRM_LEAD_VIP": "1"]]))
            .result.get()["total"]?.intValue)
        let screen = await driver.screen().text
        #expect(screen.contains("Verdict   crm.lead.list: the filter `UF_CRM_LEAD_VIP=Y` matches nothing; with `1` it matches \(vip)"))
        #expect(screen.contains("cause  with `1`: \(vip) rows"))
        // Enter on that finding sends the variant as a call of its own.
        let page = try #require(driver.runtime.state.stack.last?.screen as? DiagnosisScreen)
        let row = try #require(page.findings.firstIndex { $0.check == "with `1`" })
        for _ in 0 ..< row { driver.press(.down) }
        driver.press(.enter)
        await driver.waitFor("total \(vip)")
        await driver.quit()
    }
}
