import Testing
@testable import B24Catalog

@Suite("Search")
struct SearchTests {
    let catalog = Catalog.bundled

    @Test func openLinesFindsCommsAndConnectorsFirst() throws {
        let hits = catalog.search("open lines")
        let top = try #require(hits.first)
        #expect(top.kind == .pack)
        #expect(top.name == "comms")
        #expect(top.match == .vocabulary)
        #expect(top.reason == "vocabulary: open lines → comms")
        let firstMethod = try #require(hits.first { $0.kind == .method })
        #expect(firstMethod.name == "imconnector.list")
        #expect(firstMethod.reason.contains("imconnector.*"))
        #expect(hits.prefix(2).allSatisfy { $0.match == .vocabulary })
    }

    @Test func copilotFindsPlatformAiMethods() throws {
        let hits = catalog.search("CoPilot")
        #expect(hits.first?.name == "platform")
        let methods = hits.filter { $0.kind == .method }
        #expect(methods.count >= 3)
        #expect(methods.prefix(3).allSatisfy { $0.name.hasPrefix("ai.") && $0.pack == "platform" })
        #expect(methods.first?.reason.hasPrefix("vocabulary: copilot → platform") == true)
    }

    @Test func timeTrackingFindsServicesAndTimemanFirst() throws {
        let hits = catalog.search("time tracking")
        #expect(hits.first?.name == "services")
        let methods = hits.filter { $0.kind == .method }
        #expect(methods.prefix(3).map(\.name).sorted() == ["timeman.close", "timeman.open", "timeman.status"])
        #expect(methods.first?.match == .vocabulary)
    }

    @Test func exactMethodNameRanksFirstWhateverTheCase() throws {
        let hits = catalog.search("CRM.LEAD.ADD")
        let top = try #require(hits.first)
        #expect(top.kind == .method)
        #expect(top.name == "crm.lead.add")
        #expect(top.match == .exactName)
        #expect(top.reason == "exact name")
        #expect(top.pack == "core")
        // chains that call it come after
        #expect(hits.contains { $0.kind == .chain && $0.name == "core.lead-intake" })
        #expect(hits.dropFirst().allSatisfy { $0.score < top.score })
    }

    @Test func prefixFindsAFamilyOfMethods() {
        let hits = catalog.search("crm.lead")
        #expect(hits.prefix(3).map(\.name) == ["crm.lead.add", "crm.lead.list", "crm.lead.update"])
        #expect(hits.first?.match == .namePrefix)
    }

    @Test func packNameAndChainTextMatch() throws {
        #expect(catalog.search("diagnostics").first?.name == "diagnostics")
        #expect(catalog.search("diagnostics").first?.kind == .pack)
        let dup = catalog.search("duplicates")
        let chain = try #require(dup.first)
        #expect(chain.kind == .chain && chain.name == "core.lead-intake")
        #expect(chain.match == .text)
        #expect(chain.reason.contains("\"duplicates\""))
    }

    @Test func multiWordTextNeedsEveryWord() {
        let hits = catalog.search("sprint kanban")
        #expect(!hits.isEmpty)
        for hit in hits {
            let text = (hit.name + " " + hit.title + " " + hit.matched).lowercased()
            #expect(hit.match == .vocabulary || (text.contains("sprint") || text.contains("kanban")))
        }
        #expect(hits.contains { $0.name == "tasks.api.scrum.kanban.getStages" })
        #expect(catalog.search("zzz nothing").isEmpty)
        #expect(catalog.search("   ").isEmpty)
    }

    @Test func eachItemAppearsOnceAndLimitWorks() {
        let hits = catalog.search("calendar")
        let keys = hits.map { "\($0.kind):\($0.name)" }
        #expect(Set(keys).count == keys.count)
        #expect(catalog.search("calendar", limit: 2).count == 2)
        // name prefix outranks vocabulary: calendar.* methods first, then the services pack
        #expect(hits.prefix(4).allSatisfy { $0.kind == .method && $0.name.hasPrefix("calendar.") })
        #expect(hits.first { $0.kind == .pack }?.name == "services")
        #expect(hits.first { $0.kind == .pack }?.reason == "vocabulary: calendar → services")
    }

    @Test func vocabularyTermMatching() {
        #expect(Catalog.phrase("open lines", matchesTerm: "open lines"))
        #expect(Catalog.phrase("open line", matchesTerm: "open lines"))
        #expect(Catalog.phrase("set up open lines now", matchesTerm: "open lines"))
        #expect(!Catalog.phrase("design", matchesTerm: "sign"))
        #expect(!Catalog.phrase("op", matchesTerm: "open lines"))
    }
}

@Suite("Search word matching")
struct SearchWordTests {
    @Test func wordsMatchAtWordStartsOnly() {
        #expect(Catalog.text("tasks.api.scrum.kanban.deleteTask", hasWord: "task"))
        #expect(Catalog.text("tasks.api.scrum.kanban.deleteTask", hasWord: "delete"))
        #expect(Catalog.text("AI engines (CoPilot providers)", hasWord: "copilot"))
        #expect(!Catalog.text("commerce.delivery-assignment", hasWord: "sign"))
        #expect(Catalog.text("Look into the offline event queue", hasWord: "events"))
        #expect(Catalog.text("Сделка выиграна", hasWord: "выиграна"))
        #expect(!Catalog.text("short", hasWord: "longer than text"))
    }

    @Test func textMatchesDoNotFireInsideWords() {
        let hits = Catalog.bundled.search("sign")
        #expect(!hits.contains { $0.name == "commerce.delivery-assignment" })
        #expect(hits.contains { $0.name == "compliance.signed-docs-feed" })
        let offline = Catalog.bundled.search("offline events")
        #expect(offline.contains { $0.name == "event.offline.list" })
    }
}
