import Testing
@testable import B24Catalog

@Suite("Allow policy")
struct AllowPolicyTests {
    @Test func coreAllowsCrmAndBatchButNotChats() throws {
        let core = try AllowPolicy(packs: ["core"])
        #expect(core.allows("crm.lead.list"))
        #expect(core.allows("batch"))
        #expect(core.allows("crm.item.delete"))
        #expect(core.allows("tasks.task.get"))
        #expect(!core.allows("im.message.add"))
        #expect(!core.allows("batchx"))
        #expect(!core.allows("tasks.api.scrum.sprint.list"))
        #expect(core.matchingPattern(for: "crm.lead.list")?.text == "crm.*")
    }

    @Test func commsAllowsChats() throws {
        let comms = try AllowPolicy(packs: ["comms"])
        #expect(comms.allows("im.message.add"))
        #expect(comms.allows("imopenlines.session.start"))
        #expect(!comms.allows("crm.lead.list"))
        let both = try AllowPolicy(packList: "core, COMMS")
        #expect(both.packNames == ["core", "comms"])
        #expect(both.allows("im.message.add") && both.allows("crm.lead.list"))
    }

    @Test func noneWithAnExplicitAllowlist() throws {
        let policy = try AllowPolicy(packs: ["none"], extraPatterns: ["user.*"])
        #expect(policy.packNames.isEmpty)
        #expect(policy.allows("user.get"))
        #expect(policy.allows("USER.CURRENT"))
        #expect(!policy.allows("crm.lead.list"))
        #expect(!policy.allows("batch"))
        #expect(!policy.allows("department.get"))
        let nothing = try AllowPolicy(packs: ["none"])
        #expect(!nothing.allows("user.get"))
    }

    @Test func unknownPackErrorListsValidPacks() {
        do {
            _ = try AllowPolicy(packs: ["core", "crm"])
            Issue.record("expected an error")
        } catch let error as CatalogError {
            guard case let .unknownPack(name, valid) = error else { Issue.record("wrong error \(error)"); return }
            #expect(name == "crm")
            #expect(valid == Catalog.bundled.packNames + ["none"])
            #expect(error.description.contains("unknown pack \"crm\""))
            #expect(error.description.contains("core, comms, automation"))
            #expect(error.description.contains("none"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func allowUnlistedLetsEverythingThrough() throws {
        let open = try AllowPolicy(packs: ["none"], allowUnlisted: true)
        #expect(open.allows("anything.at.all"))
    }

    @Test func rejectsPatternsWithSpaces() {
        #expect(throws: CatalogError.invalidPattern("crm lead")) {
            try AllowPolicy(packs: ["core"], extraPatterns: ["crm lead"])
        }
    }

    @Test func globsMatchAnywhereAndIgnoreCase() {
        #expect(MethodPattern("crm.*").matches("CRM.Lead.List"))
        #expect(!MethodPattern("crm.*").matches("crm"))
        #expect(MethodPattern("*.delete").matches("crm.item.delete"))
        #expect(!MethodPattern("*.delete").matches("crm.item.deleted"))
        #expect(MethodPattern("tasks.*.list").matches("tasks.api.scrum.sprint.list"))
        #expect(MethodPattern("tasks.*.list").matches("tasks.task.list"))
        #expect(!MethodPattern("tasks.*.list").matches("tasks.task.get"))
        #expect(MethodPattern("*").matches("batch"))
        #expect(MethodPattern("im.message.add").matches("IM.MESSAGE.ADD"))
        #expect(!MethodPattern("im.message.add").matches("im.message.addx"))
        #expect(MethodPattern("a*b*c").matches("a-x-b-y-b-c"))
        #expect(MethodPattern("Event.*").isExact == false)
        #expect(MethodPattern(" Batch ").text == "batch")
    }

    @Test func everyPackAllowsItsOwnMethods() throws {
        for pack in Catalog.bundled.packs {
            let policy = try AllowPolicy(packs: [pack.name])
            for method in pack.methods {
                #expect(policy.allows(method.name), "\(pack.name) should allow \(method.name)")
            }
        }
    }
}
