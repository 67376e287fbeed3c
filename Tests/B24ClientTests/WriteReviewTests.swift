import B24Catalog
import B24Client
import B24Sandbox
import B24Wire
import Foundation
import Testing

/// Review → check → write → verify against the sandbox over loopback HTTP.
@Suite("Write review against the sandbox: diff, moved records, verification, revert, plans")
struct WriteReviewTests {
    /// A lead made for the test, with one work phone.
    static func makeLead(_ client: B24Client, title: String = "Acme", phone: String = "+7 495 000-00-01") async throws -> Int64 {
        var add = CallRequest(method: "crm.lead.add", params: ["fields": [
            "TITLE": .string(title), "COMMENTS": "first", "PHONE": [["VALUE": .string(phone), "VALUE_TYPE": "WORK"]],
        ]])
        add.confirmWrite = true
        return try #require(await client.call(add).value?.intValue)
    }

    static func lead(_ client: B24Client, _ id: Int64) async throws -> JSONValue {
        try #require(await client.call(CallRequest(method: "crm.lead.get", params: ["id": .int(id)])).value)
    }

    static func review(_ client: B24Client, _ method: String, _ params: JSONValue) async throws -> ReviewedWrite {
        try await client.review(CallRequest(method: method, params: params)).get()
    }

    @Test("Update a title and one phone: the diff shows both, apply verifies them, revert restores them")
    func updateVerifyRevert() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let phoneID = try #require(try await Self.lead(client, id)["PHONE"]?[0]?["ID"]?.stringValue)
        let reviewed = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": [
            "TITLE": "Acme (renewed)", "COMMENTS": "first", "PHONE": [["ID": .string(phoneID), "VALUE": "+7 495 111-11-11"]],
        ]])
        let command = try #require(reviewed.diff.commands.first)
        #expect(command.changes.map(\.code) == ["TITLE", "PHONE"])
        #expect(command.changes.first?.title == "Lead Title")
        #expect(command.unchanged == ["COMMENTS"])
        #expect(command.changes.last?.entries.first?.kind == .changed)
        let updatesBefore = env.sandbox.stats.calls("crm.lead.update")
        let applied = await client.apply(reviewed, confirmWrite: true, confirmDestructive: false)
        #expect(applied.status == .sent)
        #expect(applied.verified)
        #expect(applied.verdicts.map(\.verdict) == [.applied, .applied])
        #expect(env.sandbox.stats.calls("crm.lead.update") == updatesBefore + 1)
        let after = try await Self.lead(client, id)
        #expect(after["TITLE"] == "Acme (renewed)" && after["PHONE"]?[0]?["VALUE"] == "+7 495 111-11-11")

        let revert = try client.revertRequest(of: reviewed, applied: applied).get()
        let reviewedRevert = try await client.review(revert).get()
        #expect(reviewedRevert.diff.commands.first?.changes.map(\.code) == ["TITLE", "PHONE"])
        let reverted = await client.apply(reviewedRevert, confirmWrite: true, confirmDestructive: false)
        #expect(reverted.verified)
        let restored = try await Self.lead(client, id)
        #expect(restored["TITLE"] == "Acme" && restored["PHONE"]?[0]?["VALUE"] == "+7 495 000-00-01")
    }

    @Test("The record moves between review and apply: nothing is written, the three-way view says why")
    func movedFieldBlocks() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let reviewed = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": ["TITLE": "Mine"]])
        var other = CallRequest(method: "crm.lead.update", params: ["id": .int(id), "fields": ["TITLE": "Theirs"]])
        other.confirmWrite = true
        #expect(await client.call(other).failure == nil)
        let updates = env.sandbox.stats.calls("crm.lead.update")
        let applied = await client.apply(reviewed, confirmWrite: true, confirmDestructive: false)
        #expect(applied.status == .stale)
        #expect(applied.moved == [MovedField(command: nil, code: "TITLE", title: "Lead Title", seen: "Acme", now: "Theirs", write: "Mine")])
        #expect(env.sandbox.stats.calls("crm.lead.update") == updates)
        #expect(try await Self.lead(client, id)["TITLE"] == "Theirs")
        #expect(DiffText.moved(applied.moved).joined(separator: "\n").contains("you saw:      \"Acme\""))
    }

    @Test("Another field moves: the write goes out and the moved field is listed")
    func otherFieldListed() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let reviewed = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": ["TITLE": "Mine"]])
        var other = CallRequest(method: "crm.lead.update", params: ["id": .int(id), "fields": ["COMMENTS": "theirs"]])
        other.confirmWrite = true
        #expect(await client.call(other).failure == nil)
        let applied = await client.apply(reviewed, confirmWrite: true, confirmDestructive: false)
        #expect(applied.status == .sent && applied.verified)
        #expect(applied.otherChanges.contains("COMMENTS"))
        #expect(!applied.otherChanges.contains("TITLE"))
    }

    @Test("The portal ignores a read-only field: flagged before, marked ignored after, not verified")
    func readOnlyIgnored() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let reviewed = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": [
            "TITLE": "Mine", "DATE_CREATE": "2001-01-01T00:00:00+00:00",
        ]])
        #expect(reviewed.diff.commands.first?.changes.first { $0.code == "DATE_CREATE" }?.ignoredByPortal == true)
        let applied = await client.apply(reviewed, confirmWrite: true, confirmDestructive: false)
        #expect(applied.succeeded)
        #expect(applied.verdicts.first { $0.code == "DATE_CREATE" }?.verdict == .ignored)
        #expect(applied.verdicts.first { $0.code == "TITLE" }?.verdict == .applied)
        #expect(!applied.verified)
        #expect(DiffText.verification(applied).last?.hasPrefix("not verified") == true)
    }

    @Test("An update that changes nothing sends nothing")
    func nothingToSend() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let reviewed = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": ["TITLE": "Acme", "OPENED": true]])
        #expect(reviewed.diff.changesNothing)
        let updates = env.sandbox.stats.calls("crm.lead.update")
        let applied = await client.apply(reviewed, confirmWrite: true, confirmDestructive: false)
        #expect(applied.status == .nothingToSend)
        #expect(env.sandbox.stats.calls("crm.lead.update") == updates)
    }

    @Test("Add finds look-alikes by phone (crm.duplicate.findbycomm) and by title; delete shows the whole record")
    func addDuplicatesAndDelete() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client, title: "Unique Title 7", phone: "+7 (495) 222-33-44")
        let add = try await Self.review(client, "crm.lead.add", ["fields": [
            "TITLE": "Unique Title 7", "PHONE": [["VALUE": "74952223344", "VALUE_TYPE": "WORK"]],
        ]])
        let duplicates = try #require(add.diff.commands.first?.duplicates)
        #expect(duplicates.contains { $0.id == String(id) && $0.reason.hasPrefix("PHONE") })
        #expect(duplicates.filter { $0.id == String(id) }.count == 1)
        #expect(add.diff.commands.first?.changes.allSatisfy { $0.kind == .added } == true)

        let delete = try await Self.review(client, "crm.lead.delete", ["id": .int(id)])
        let command = try #require(delete.diff.commands.first)
        #expect(command.kind == .delete)
        #expect(command.changes.contains { $0.code == "TITLE" && $0.old == "Unique Title 7" })
        let refused = await client.apply(delete, confirmWrite: true, confirmDestructive: false)
        #expect(refused.outcome?.failure?.exitCode == B24ExitCode.policy)
        let applied = await client.apply(delete, confirmWrite: false, confirmDestructive: true)
        #expect(applied.verified)
        #expect(await client.call(CallRequest(method: "crm.lead.get", params: ["id": .int(id)])).failure != nil)
    }

    @Test("A batch shows one diff per command")
    func batchDiff() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let reviewed = try await Self.review(client, "batch", ["halt": 0, "cmd": [
            "rename": .string("crm.lead.update?id=\(id)&fields[TITLE]=Batch%20title"),
            "note": .string("event.bind?event=ONCRMLEADADD&handler=https%3A%2F%2Fexample.com%2Fh"),
            "read": "user.current",
        ]])
        #expect(reviewed.diff.commands.map(\.key) == ["rename", "note", "read"])
        #expect(reviewed.diff.commands[0].changes.first?.new == "Batch title")
        #expect(reviewed.diff.commands[1].kind == .noPreview)
        #expect(reviewed.diff.commands[2].note?.contains("only reads") == true)
        #expect(reviewed.diff.summary.contains("rename: crm.lead.update crm.lead \(id) [TITLE]"))
    }

    @Test("A reviewed plan keeps old values: refused as stale after a move, runs once when fresh; audit has hash and names")
    func reviewedPlans() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let params: JSONValue = ["id": .int(id), "fields": ["TITLE": "Planned secret-free title"]]
        let stalePlan = try client.plan(try await Self.review(client, "crm.lead.update", params))
        #expect(try client.store().plan(id: stalePlan.id)?.expected?["commands"]?[0]?["oldValues"]?["TITLE"] == "Acme")
        var other = CallRequest(method: "crm.lead.update", params: ["id": .int(id), "fields": ["TITLE": "Moved"]])
        other.confirmWrite = true
        _ = await client.call(other)
        let refused = await client.executePlan(id: stalePlan.id, confirmWrite: true, confirmDestructive: false)
        guard case .refused(let refusal) = refused.failure else {
            Issue.record("expected a stale-plan refusal, got \(String(describing: refused.failure))")
            return
        }
        #expect(refusal.gate == .stalePlan)
        #expect(refusal.moved.first?.seen == "Acme" && refusal.moved.first?.now == "Moved")
        #expect(refused.failure?.exitCode == B24ExitCode.policy)
        #expect(try await Self.lead(client, id)["TITLE"] == "Moved")
        // Still unused: `show` works and it stays refused.
        #expect(try client.store().plan(id: stalePlan.id)?.usedAt == nil)

        let reviewed = try await Self.review(client, "crm.lead.update", params)
        let fresh = try client.plan(reviewed)
        let ran = await client.executePlan(id: fresh.id, confirmWrite: true, confirmDestructive: false)
        #expect(ran.failure == nil)
        #expect(try await Self.lead(client, id)["TITLE"] == "Planned secret-free title")
        let audit = try String(contentsOf: env.paths.auditFile, encoding: .utf8)
        let line = try #require(audit.split(separator: "\n").last { $0.contains(fresh.id) })
        #expect(line.contains("\"diff_hash\":\"\(reviewed.diff.hash)\""))
        #expect(line.contains("[TITLE]"))
        #expect(!line.contains("Planned secret-free title"))
    }

    @Test("An edit voids the review: other parameters give another hash and no longer match")
    func editVoids() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        let id = try await Self.makeLead(client)
        let first = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": ["TITLE": "A"]])
        let edited: JSONValue = ["id": .int(id), "fields": ["TITLE": "B"]]
        #expect(!first.stillMatches("crm.lead.update", params: edited, apiVersion: .v2))
        #expect(first.stillMatches("crm.lead.update", params: ["fields": ["TITLE": "A"], "id": .int(id)], apiVersion: .v2))
        let second = try await Self.review(client, "crm.lead.update", edited)
        #expect(first.diff.hash != second.diff.hash)
        let again = try await Self.review(client, "crm.lead.update", ["id": .int(id), "fields": ["TITLE": "A"]])
        #expect(first.diff.hash == again.diff.hash)
    }

    @Test("A read-only profile refuses the review before anything is read")
    func readOnlyProfile() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient(readOnly: true)
        let result = await client.review(CallRequest(method: "crm.lead.update", params: ["id": 1, "fields": ["TITLE": "x"]]))
        guard case .failure(.refused(let refusal)) = result else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.gate == .readOnlyProfile)
        #expect(env.sandbox.stats.totalRequests == 0)
    }
}
