import B24Client
import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("Paging and batch")
struct PagingAndBatchTests {
    @Test("--all-pages walks start/next over 200 leads; --fast walks the >ID cursor with start=-1")
    func paging() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let request = CallRequest(method: "crm.lead.list", params: ["select": ["ID", "TITLE"]])
        let all = await client.callAllPages(request, fast: false)
        #expect(all.error == nil)
        #expect(all.items.count == 200)
        #expect(all.pages == 4)
        #expect(all.total == 200)
        let fast = await client.callAllPages(request, fast: true)
        #expect(fast.error == nil)
        #expect(fast.items.count == 200)
        #expect(fast.total == nil)
        let ids = fast.items.compactMap { $0["ID"]?.intValue }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == 200)
        #expect(Set(all.items.compactMap { $0["ID"]?.intValue }) == Set(ids))
    }

    @Test("--fast is refused for methods without an ID cursor")
    func fastRefused() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let outcome = await (try env.webhookClient()).callAllPages(CallRequest(method: "department.get"), fast: true)
        #expect(outcome.error?.exitCode == B24ExitCode.usage)
        #expect(env.sandbox.stats.totalRequests == 0)
    }

    @Test("Batch: $result references, filter prefixes kept, per-command results and errors")
    func batchReferences() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let commands = try BatchInput.commands(from: [
            "me": "user.current",
            "leads": ["method": "crm.lead.list", "params": ["filter": [">ID": 190], "select": ["ID"]]],
            "first": "crm.lead.get?id=$result[leads][0][ID]",
            "broken": ["method": "crm.lead.get", "params": ["id": 999_999_999]],
        ])
        let outcome = await client.batch(commands, halt: false, confirmWrite: false, confirmDestructive: false)
        #expect(outcome.error == nil)
        let byKey = Dictionary(uniqueKeysWithValues: outcome.results.map { ($0.key, $0) })
        #expect(byKey["me"]?.result?["ID"]?.stringValue == "1")
        let leadIDs = byKey["leads"]?.result?.arrayValue?.compactMap { $0["ID"]?.intValue } ?? []
        #expect(!leadIDs.isEmpty && leadIDs.allSatisfy { $0 > 190 })
        #expect(byKey["first"]?.result?["ID"]?.intValue == leadIDs.first)
        #expect(byKey["broken"]?.error != nil)
        #expect(outcome.traces.count == 1)
    }

    @Test("Batch over 50: independent commands are split into calls of 50; chained ones are refused")
    func batchSplitting() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let independent = (0..<120).map { BatchCommand(key: "c\($0)", method: "crm.lead.get", params: ["id": .int(Int64($0 % 200 + 1))]) }
        let outcome = await client.batch(independent, halt: false, confirmWrite: false, confirmDestructive: false)
        #expect(outcome.error == nil)
        #expect(outcome.traces.count == 3)
        #expect(outcome.results.count == 120)
        #expect(outcome.results.allSatisfy { $0.error == nil && $0.result != nil })

        let chained = (0..<51).map { BatchCommand(key: "c\($0)", encoded: $0 == 0 ? "user.current" : "user.get?ID=$result[c0][ID]") }
        let refused = await client.batch(chained, halt: false, confirmWrite: false, confirmDestructive: false)
        #expect(refused.error?.exitCode == B24ExitCode.usage)
        #expect(refused.traces.isEmpty)
    }

    @Test("Batch risk is the highest risk of its commands: a delete inside needs --confirm-destructive")
    func batchRisk() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let commands = [BatchCommand(key: "a", encoded: "user.current"), BatchCommand(key: "b", encoded: "crm.lead.delete?id=1")]
        let outcome = await client.batch(commands, halt: false, confirmWrite: true, confirmDestructive: false)
        #expect(outcome.error?.exitCode == B24ExitCode.policy)
        let nested = await client.batch([BatchCommand(key: "a", encoded: "batch?cmd[x]=user.current")], halt: false,
                                        confirmWrite: true, confirmDestructive: true)
        #expect(nested.error?.exitCode == B24ExitCode.policy)
        #expect(env.sandbox.stats.totalRequests == 0)

        // Split in two, with the delete in the second call: refused before the first call's writes are sent.
        let split = (0..<55).map { index in
            index < 54 ? BatchCommand(key: "add\(index)", method: "crm.lead.add", params: ["fields": ["TITLE": .string("split \(index)")]])
                : BatchCommand(key: "gone", encoded: "crm.lead.delete?id=1")
        }
        let refused = await client.batch(split, halt: false, confirmWrite: true, confirmDestructive: false)
        #expect(refused.error?.exitCode == B24ExitCode.policy)
        #expect(refused.results.isEmpty)
        #expect(refused.traces.count == 1, "the refused call is audited")
        #expect(env.sandbox.stats.totalRequests == 0)
    }

    @Test("Batch halt stops at the first failing command; later commands are reported as not run")
    func batchHalt() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let commands = [
            BatchCommand(key: "ok", encoded: "user.current"),
            BatchCommand(key: "bad", encoded: "crm.lead.get?id=999999999"),
            BatchCommand(key: "later", encoded: "department.get"),
        ]
        let outcome = await client.batch(commands, halt: true, confirmWrite: false, confirmDestructive: false)
        let byKey = Dictionary(uniqueKeysWithValues: outcome.results.map { ($0.key, $0) })
        #expect(byKey["ok"]?.ran == true)
        #expect(byKey["bad"]?.error != nil)
        #expect(byKey["later"]?.ran == false)
    }

    @Test("Batch command encoding keeps filter prefixes and bracket structure")
    func commandEncoding() throws {
        let command = BatchCommand(key: "k", method: "crm.deal.list",
                                   params: ["filter": [">ID": 5, "!STAGE_ID": "WON"], "select": ["ID", "TITLE"]])
        #expect(command.encoded.hasPrefix("crm.deal.list?"))
        let query = String(command.encoded.split(separator: "?", maxSplits: 1)[1])
        let decoded = try PHPForm.decode(query)
        #expect(decoded["filter"]?[">ID"]?.stringValue == "5")
        #expect(decoded["filter"]?["!STAGE_ID"]?.stringValue == "WON")
        #expect(decoded["select"]?.arrayValue?.compactMap(\.stringValue) == ["ID", "TITLE"])
    }
}
