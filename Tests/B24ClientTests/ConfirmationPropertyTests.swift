import B24Catalog
import B24Client
import B24Sandbox
import B24Wire
import Foundation
import Testing

/// Generated calls down every path that can write: none reaches the portal without its confirmation.
@Suite("Property: no write without its confirmation, on any entry path")
struct ConfirmationPropertyTests {
    /// A small deterministic generator (SplitMix64), so a failure names a case that can be run again.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    /// The ways a call reaches the client: a form's Send, a replay from history, a chain step, a stored plan, the
    /// CLI's `--diff`. Forms, replays and chain steps all end in `call`; the CLI and the console's review in `apply`.
    enum Path: CaseIterable { case form, replay, chainStep, plan, cli }

    /// Method names: every catalog write and destructive method, plus made-up ones with write verbs.
    static func methodNames(_ generator: inout Generator) -> [String] {
        var names = Catalog.bundled.allMethods.filter { $0.risk.mayChangeData && $0.name != "batch" }.map(\.name)
        let nouns = ["lead", "widget", "crm.thing", "vendor.item", "x"]
        let verbs = ["add", "update", "delete", "set", "remove", "unbind", "complete"]
        for _ in 0..<20 { names.append("\(generator.pick(nouns)).\(generator.pick(verbs))") }
        return names
    }

    @Test("Generated methods × risk × path: without the right confirmation nothing is sent; an edited review is void")
    func noUnconfirmedWrite() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        var options = ClientTestEnvironment.fastOptions()
        options.allowUnlisted = true
        let client = try env.webhookClient(options: options)
        var generator = Generator(state: 20261203)
        let names = Self.methodNames(&generator)
        var checked = 0
        for _ in 0..<60 {
            let method = generator.pick(names)
            let risk = client.risk(of: method, params: .emptyObject)
            guard risk.mayChangeData else { continue }
            let path = generator.pick(Path.allCases)
            let params: JSONValue = ["id": .int(Int64(1 + generator.next() % 5)), "fields": ["TITLE": "generated"]]
            // The wrong confirmation for the risk, or none at all.
            let wrongFlag = generator.next() % 2 == 0
            let confirmWrite = wrongFlag && risk == .destructive
            let before = env.sandbox.stats.calls(method)
            var request = CallRequest(method: method, params: params)
            request.confirmWrite = confirmWrite
            let failure: B24Error?
            switch path {
            case .form, .replay, .chainStep:
                failure = await client.call(request).failure
            case .plan:
                let plan = try client.plan(CallRequest(method: method, params: params))
                failure = await client.executePlan(id: plan.id, confirmWrite: confirmWrite, confirmDestructive: false).failure
            case .cli:
                let reviewed = try await client.review(request).get()
                failure = await client.apply(reviewed, confirmWrite: confirmWrite, confirmDestructive: false).outcome?.failure
            }
            #expect(failure?.exitCode == B24ExitCode.policy, "\(method) (\(risk)) via \(path) was not refused")
            #expect(env.sandbox.stats.calls(method) == before, "\(method) (\(risk)) via \(path) reached the portal")
            checked += 1
        }
        #expect(checked > 30)

        // A review edited after it was confirmed no longer matches; applying the original sends only what was shown.
        let id = try await WriteReviewTests.makeLead(client)
        let reviewed = try await client.review(CallRequest(method: "crm.lead.update",
                                                           params: ["id": .int(id), "fields": ["TITLE": "Shown"]])).get()
        #expect(!reviewed.stillMatches("crm.lead.update", params: ["id": .int(id), "fields": ["TITLE": "Edited"]], apiVersion: .v2))
        let applied = await client.apply(reviewed, confirmWrite: true, confirmDestructive: false)
        #expect(applied.verified)
        #expect(try await WriteReviewTests.lead(client, id)["TITLE"] == "Shown")
    }
}
