import Foundation
import Testing
@testable import B24Catalog

@Suite("Bundled catalog")
struct CatalogDataTests {
    let catalog = Catalog.bundled

    @Test func hasTheTwelvePacksWithCoreAsDefault() {
        #expect(catalog.packNames == ["core", "comms", "automation", "collab", "content", "boards", "commerce",
                                      "services", "platform", "sites", "compliance", "diagnostics"])
        #expect(catalog.defaultPackName == "core")
        #expect(catalog.defaultPack.name == "core")
    }

    @Test func listsEveryMethodOfTheSeedOnce() {
        // 127 = the seed skill's catalogs (21 core + 12 comms + 10 automation + 10 collab + 10 content
        // + 10 boards + 11 commerce + 11 services + 11 platform + 10 sites + 5 compliance + 6 diagnostics).
        #expect(catalog.allMethods.count == 127)
        #expect(Set(catalog.allMethods.map { $0.name.lowercased() }).count == 127)
        let counts = Dictionary(uniqueKeysWithValues: catalog.packs.map { ($0.name, $0.methods.count) })
        #expect(counts == ["core": 21, "comms": 12, "automation": 10, "collab": 10, "content": 10, "boards": 10,
                           "commerce": 11, "services": 11, "platform": 11, "sites": 10, "compliance": 5,
                           "diagnostics": 6])
    }

    @Test func everyMethodHasSummaryScopeDocAndApi() {
        for method in catalog.allMethods {
            #expect(!method.summary.isEmpty, "\(method.name)")
            #expect(!method.scope.isEmpty, "\(method.name)")
            #expect(method.doc.hasSuffix(".md"), "\(method.name)")
            #expect(method.api.contains(.v2), "\(method.name)")
            #expect(!method.pack.isEmpty)
        }
    }

    @Test func scopesFollowTheProduct() {
        #expect(catalog.entry(for: "crm.lead.add")?.method.scope == "crm")
        #expect(catalog.entry(for: "tasks.task.add")?.method.scope == "task")
        #expect(catalog.entry(for: "imbot.register")?.method.scope == "imbot")
        #expect(catalog.entry(for: "ai.engine.list")?.method.scope == "ai_admin")
        #expect(catalog.entry(for: "sign.b2e.personal.tail")?.method.scope == "sign.b2e")
        #expect(catalog.entry(for: "batch")?.method.scope == "basic")
        #expect(catalog.entry(for: "server.time")?.method.scope == "basic")
    }

    @Test func tasksMethodsWithRest3VariantsSayV3() {
        #expect(catalog.entry(for: "tasks.task.get") == nil) // not in the seed's core shortlist
        #expect(catalog.entry(for: "tasks.task.list")?.method.api == [.v2, .v3])
        #expect(catalog.entry(for: "tasks.task.complete")?.method.api == [.v2])
    }

    @Test func hasThirtyFiveChainsWithUniqueIds() {
        #expect(catalog.allChains.count == 35)
        #expect(Set(catalog.allChains.map(\.id)).count == 35)
        for pack in catalog.packs {
            #expect(pack.chains.count >= 2, "\(pack.name)")
            for chain in pack.chains {
                #expect(chain.pack == pack.name)
                #expect(chain.id.hasPrefix(pack.name + "."))
                #expect(!chain.steps.isEmpty)
            }
        }
    }

    @Test func chainStepsLinkToMethods() {
        // Steps that name a method link to a catalog entry. Three steps of the seed name methods that no pack
        // lists; they are still covered by their own pack's allow patterns.
        let notListed: Set = ["disk.file.uploadversion", "tasks.api.scrum.backlog.get", "tasks.api.scrum.task.update"]
        var seenUnlisted = Set<String>()
        for chain in catalog.allChains {
            let pack = catalog.pack(named: chain.pack)!
            for name in chain.steps.flatMap(\.methods) {
                if catalog.entry(for: name) == nil {
                    seenUnlisted.insert(name)
                    let policy = try! AllowPolicy(packs: [pack.name])
                    #expect(policy.allows(name), "\(name) in \(chain.id)")
                }
            }
        }
        #expect(seenUnlisted == notListed)
        let linked = catalog.allChains.flatMap(\.steps).flatMap(\.methods).filter { catalog.entry(for: $0) != nil }
        #expect(linked.count > 80)
    }

    @Test func chainStepsRenderAndKeepEvents() throws {
        let bot = try #require(catalog.chain(id: "comms.bot-commands"))
        #expect(bot.steps.map(\.method) == ["imbot.register", "imbot.command.register", nil, "imbot.command.answer"])
        #expect(bot.steps[2].event == "ONIMCOMMANDADD")
        let robots = try #require(catalog.chain(id: "AUTOMATION.robot-rollout"))
        #expect(robots.steps[1].methods == ["bizproc.robot.add", "bizproc.robot.update"])
        #expect(robots.steps[1].text.hasPrefix("bizproc.robot.add or bizproc.robot.update: "))
        let lead = try #require(catalog.chain(id: "core.lead-intake"))
        #expect(lead.methodNames == ["crm.lead.add", "crm.lead.list", "crm.lead.update"])
        #expect(!lead.guardrails.isEmpty)
    }

    @Test func entryLookupIgnoresCase() throws {
        let found = try #require(catalog.entry(for: "CRM.Lead.ADD"))
        #expect(found.method.name == "crm.lead.add")
        #expect(found.pack.name == "core")
        #expect(catalog.entry(for: "landing.site.getlist")?.method.name == "landing.site.getList")
        #expect(catalog.entry(for: "crm.item.list") == nil)
        #expect(catalog.pack(named: " Comms ")?.name == "comms")
        #expect(catalog.pack(named: "nope") == nil)
    }

    @Test func packsContainingListsTheListingPackFirst() {
        #expect(catalog.packs(containing: "calendar.event.get").map(\.name) == ["services", "collab"])
        #expect(catalog.packs(containing: "im.message.add").map(\.name) == ["comms"])
        #expect(catalog.packs(containing: "crm.item.list").map(\.name) == ["core"])
        #expect(catalog.packs(containing: "vendor.thing.do").isEmpty)
    }

    @Test func packEventsCarryNamesAndDocs() throws {
        let comms = try #require(catalog.pack(named: "comms"))
        #expect(comms.events.map(\.name) == ["ONIMBOTMESSAGEADD", "ONIMCOMMANDADD"])
    }

    @Test func docURLPointsAtTheOfficialRepository() throws {
        let entry = try #require(catalog.entry(for: "crm.lead.add"))
        #expect(entry.method.docURL.absoluteString
                == "https://github.com/bitrix24/b24restdocs/blob/main/api-reference/crm/leads/crm-lead-add.md")
        #expect(Catalog.docURL(for: "/settings/how-to-call-rest-api/batch.md").absoluteString
                == "https://github.com/bitrix24/b24restdocs/blob/main/settings/how-to-call-rest-api/batch.md")
    }

    @Test func unlistedReportsPortalMethodsNoPackLists() {
        let portal = ["crm.lead.list", "CRM.ITEM.LIST", "batch", "crm.item.list", "app.info", "  ", "Crm.Lead.Add"]
        #expect(catalog.unlisted(from: portal) == ["app.info", "CRM.ITEM.LIST"])
        #expect(catalog.unlisted(from: []) == [])
    }

    @Test func vocabularyNamesExistingPacks() {
        #expect(catalog.vocabulary.count == 8)
        for entry in catalog.vocabulary {
            for name in entry.packs { #expect(catalog.pack(named: name) != nil, "\(name)") }
        }
    }

    @Test func rejectsInconsistentData() {
        let specs = Data(#"{"format":1,"specs":[]}"#.utf8)
        let badDefault = Data(#"""
        {"format":1,"defaultPack":"core","riskVerbs":{"destructive":"x","write":"y"},"packs":[],"vocabulary":[]}
        """#.utf8)
        #expect(throws: CatalogError.self) { try Catalog(catalogJSON: badDefault, specsJSON: specs) }
        #expect(throws: CatalogError.self) { try Catalog(catalogJSON: Data("{}".utf8), specsJSON: specs) }
    }

    @Test("a malformed catalog file is refused with the place of the fault")
    func namesTheFault() {
        let specs = Data(#"{"format":1,"specs":[]}"#.utf8)
        func message(_ catalog: String) -> String? {
            do {
                _ = try Catalog(catalogJSON: Data(catalog.utf8), specsJSON: specs)
                return nil
            } catch {
                return "\(error)"
            }
        }
        let head = #""format":1,"defaultPack":"core","riskVerbs":{"destructive":"delete$","write":"add$"},"vocabulary":[]"#
        let method = #"{"name":"user.get","risk":"%@","scope":"user","api":[%@],"doc":"d","summary":"s"}"#
        func pack(risk: String = "read", api: String = #""v2""#) -> String {
            let entry = method.replacingOccurrences(of: "%@", with: risk, options: [], range: method.range(of: "%@"))
                .replacingOccurrences(of: "%@", with: api)
            return #"{\#(head),"packs":[{"name":"core","summary":"s","scopeNote":"n","allow":["user.*"],"events":[],"methods":[\#(entry)],"chains":[]}]}"#
        }
        #expect(message(pack()) == nil)
        #expect(message(pack(risk: "risky"))?.contains("packs[0].methods[0].risk has an unknown value \"risky\"") == true)
        #expect(message(pack(api: #""v2","v9""#))?.contains("packs[0].methods[0].api[1] has an unknown value \"v9\"") == true)
        #expect(message(pack(api: "2"))?.contains("packs[0].methods[0].api[0] must be a string") == true)
        #expect(message("[1]")?.contains("the top level must be an object") == true)
        #expect(message("{\"format\":1,")?.contains("not JSON") == true)
        let badVerb = pack().replacingOccurrences(of: "delete$", with: "(unclosed")
        #expect(message(badVerb)?.contains("risk verb pattern does not compile") == true)
    }
}
