import B24Sandbox
import B24Wire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("Limits and faults")
struct LimitsAndFaultsTests {
    @Test func leakyBucketTrips() async throws {
        // A drain this slow cannot free a slot while the test runs, however loaded the machine is.
        let options = quietOptions { $0.bucket = (burst: 5, perSecond: 0.01) }
        try await withSandbox(options) { (sandbox: Sandbox) async throws in
            var statuses: [Int] = []
            for _ in 0..<8 { statuses.append(try await call(sandbox.adminWebhookURL, "profile").status) }
            #expect(statuses.prefix(5).allSatisfy { $0 == 200 })
            #expect(statuses.suffix(3).allSatisfy { $0 == 503 })
            let blocked = try await call(sandbox.adminWebhookURL, "profile")
            #expect(blocked.json == ["error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"])
            #expect(sandbox.stats.queryLimitExceeded == 4)
        }
    }

    @Test func batchIsOneBucketHit() async throws {
        let options = quietOptions { $0.bucket = (burst: 2, perSecond: 0.01) }
        try await withSandbox(options) { (sandbox: Sandbox) async throws in
            var cmd = JSONObject()
            for index in 0..<10 { cmd["c\(index)"] = "profile" }
            #expect(try await call(sandbox.adminWebhookURL, "batch", ["cmd": .object(cmd)]).status == 200)
            #expect(try await call(sandbox.adminWebhookURL, "profile").status == 200)
            #expect(try await call(sandbox.adminWebhookURL, "profile").status == 503)
        }
    }

    @Test func operatingTimeLimit() async throws {
        let options = quietOptions {
            $0.operatingLimitSeconds = 10
            $0.simulatedOperatingSeconds = ["crm.lead.list": 4]
        }
        try await withSandbox(options) { (sandbox: Sandbox) async throws in
            var operating: [Double] = []
            for _ in 0..<3 {
                let answer = try await call(sandbox.adminWebhookURL, "crm.lead.list", ["start": -1])
                #expect(answer.status == 200)
                operating.append(answer.json?["time"]?["operating"]?.doubleValue ?? 0)
                #expect(answer.json?["time"]?["operating_reset_at"]?.intValue != nil)
            }
            #expect(operating[2] >= 12)
            let blocked = try await call(sandbox.adminWebhookURL, "crm.lead.list", ["start": -1])
            #expect(blocked.status == 429)
            #expect(blocked.json?["error"] == "OPERATION_TIME_LIMIT")
            // Other methods and other webhooks keep their own budgets.
            #expect(try await call(sandbox.adminWebhookURL, "crm.deal.list").status == 200)
            #expect(try await call(sandbox.crmWebhookURL, "crm.lead.list", ["start": -1]).status == 200)
            // Batch sub-calls count against their own method.
            let batch = try #require(try await call(sandbox.adminWebhookURL, "batch", ["cmd": ["a": "crm.lead.list"]]).json)
            #expect(batch["result"]?["result_error"]?["a"]?["error"] == "OPERATION_TIME_LIMIT")
        }
    }

    @Test func injectedFaults() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            sandbox.injectFault(.status(503), method: "profile", count: 2)
            #expect(try await call(hook, "profile").json?["error"] == "QUERY_LIMIT_EXCEEDED")
            #expect(try await call(hook, "server.time").status == 200)
            #expect(try await call(hook, "profile").status == 503)
            #expect(try await call(hook, "profile").status == 200)
            sandbox.injectFault(.status(500), method: nil)
            let serverError = try await call(hook, "profile")
            #expect(serverError.status == 500)
            #expect(serverError.json?["error"] == "INTERNAL_SERVER_ERROR")
            sandbox.injectFault(.html, method: "profile")
            let html = try await call(hook, "profile")
            #expect(html.status == 502)
            #expect(html.json == nil)
            sandbox.injectFault(.slow(0.3), method: "profile")
            let started = Date()
            #expect(try await call(hook, "profile").status == 200)
            #expect(Date().timeIntervalSince(started) >= 0.3)
            sandbox.injectFault(.hugeBody, method: "profile")
            let huge = try await call(hook, "profile")
            #expect(huge.body.count > 10_000_000)
        }
    }

    @Test func connectionFaults() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL
            sandbox.injectFault(.drop, method: "profile")
            await #expect(throws: (any Error).self) { _ = try await call(hook, "profile") }
            sandbox.injectFault(.truncate, method: "profile")
            var truncatedFailed = false
            do {
                let answer = try await call(hook, "profile")
                truncatedFailed = answer.json == nil
            } catch { truncatedFailed = true }
            #expect(truncatedFailed)
            sandbox.injectFault(.dropAfterRunning, method: "crm.lead.add")
            await #expect(throws: (any Error).self) { _ = try await call(hook, "crm.lead.add", ["fields": ["TITLE": "ghost"]]) }
            // The write happened even though no answer came.
            #expect(try await call(hook, "crm.lead.list").json?["total"] == 201)
            #expect(try await call(hook, "profile").status == 200)
        }
    }

    @Test func faultSpecParsing() throws {
        let spec = try FaultSpec(parsing: "503:0.1,500:0.02,slow:0.05@2s,html:0.01,drop:0.01,truncate:0.01")
        #expect(spec.entries.count == 6)
        #expect(spec.entries[2].fault == .slow(2))
        #expect(throws: (any Error).self) { try FaultSpec(parsing: "teapot:0.5") }
        #expect(throws: (any Error).self) { try FaultSpec(parsing: "503:2") }
    }

    @Test func randomFaultsAreSeeded() async throws {
        let options = quietOptions { $0.faults = try! FaultSpec(parsing: "503:0.5") }
        var runs: [[Int]] = []
        for _ in 0..<2 {
            try await withSandbox(options) { (sandbox: Sandbox) async throws in
                var statuses: [Int] = []
                for _ in 0..<12 { statuses.append(try await call(sandbox.adminWebhookURL, "profile").status) }
                runs.append(statuses)
            }
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0].contains(503) && runs[0].contains(200))
    }

    @Test func requireHTTPS() async throws {
        try await withSandbox(quietOptions { $0.requireHTTPS = true }) { (sandbox: Sandbox) async throws in
            let answer = try await call(sandbox.adminWebhookURL, "profile")
            #expect(answer.status == 400)
            #expect(answer.json == ["error": "INVALID_REQUEST", "error_description": "Https required"])
        }
    }

    @Test func bannerIsStablePerSeed() async throws {
        var banners: [[String]] = []
        for _ in 0..<2 {
            try await withSandbox { (sandbox: Sandbox) async throws in
                banners.append(sandbox.bannerLines.map { $0.replacingOccurrences(of: String(sandbox.port), with: "PORT") })
                #expect(sandbox.bannerLines.contains { $0.hasPrefix("webhook: http://127.0.0.1:") })
            }
        }
        #expect(banners[0] == banners[1])
    }
}
