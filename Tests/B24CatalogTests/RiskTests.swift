import Testing
@testable import B24Catalog

@Suite("Risk classes")
struct RiskTests {
    let catalog = Catalog.bundled

    @Test func orderIsReadWriteMixedDestructive() {
        #expect(RiskClass.read < .write)
        #expect(RiskClass.write < .mixed)
        #expect(RiskClass.mixed < .destructive)
        #expect(RiskClass.allCases.sorted() == [.read, .write, .mixed, .destructive])
        #expect(RiskClass.highest([.write, .read]) == .write)
        #expect(RiskClass.highest([RiskClass]()) == .read)
        #expect(!RiskClass.read.mayChangeData && RiskClass.write.mayChangeData)
    }

    @Test func catalogMethodsUseTheirListedRisk() {
        #expect(catalog.risk(of: "event.unbind") == .destructive)
        #expect(catalog.risk(of: "batch") == .mixed)
        #expect(catalog.risk(of: "crm.lead.add") == .write)
        #expect(catalog.risk(of: "crm.lead.list") == .read)
        #expect(catalog.risk(of: "event.offline.clear") == .destructive)
        #expect(catalog.risk(of: "bizproc.workflow.kill") == .destructive)
        #expect(catalog.risk(of: "CRM.LEAD.ADD") == .write)
    }

    @Test func unlistedMethodsAreClassifiedByVerb() {
        #expect(catalog.risk(of: "crm.item.delete") == .destructive)
        #expect(catalog.risk(of: "foo.bar.update") == .write)
        #expect(catalog.risk(of: "crm.item.list") == .read)
        #expect(catalog.risk(of: "crm.lead.get") == .read)
        #expect(catalog.risk(of: "placement.unbind") == .destructive)
        #expect(catalog.risk(of: "crm.item.recyclebin") == .destructive)
        #expect(catalog.risk(of: "crm.contact.import") == .write)
        #expect(catalog.risk(of: "CRM.ITEM.DELETE") == .destructive)
        #expect(catalog.risk(of: "delete") == .destructive)
        // a camelCase last segment is judged by its leading word
        #expect(catalog.risk(of: "foo.bar.deleteItem") == .destructive)
        #expect(catalog.risk(of: "foo.bar.addItem") == .write)
        #expect(catalog.risk(of: "foo.bar.getList") == .read)
        // a verb in the middle of the name does not count
        #expect(catalog.risk(of: "crm.delete.list") == .read)
        #expect(catalog.risk(of: "crm.deleted") == .read)
    }

    @Test func catalogRisksAgreeWithVerbsWhereVerbsAreClear() {
        // the catalog never calls a method with a destructive verb anything milder
        for method in catalog.allMethods where catalog.riskByVerb(of: method.name) == .destructive {
            #expect(method.risk == .destructive, "\(method.name)")
        }
    }

    @Test func batchTakesTheHighestRiskOfItsCommands() {
        #expect(catalog.risk(ofBatch: ["crm.lead.list?filter[ID]=1", "user.current"]) == .read)
        #expect(catalog.risk(ofBatch: ["crm.lead.list", "crm.lead.add?fields[TITLE]=x"]) == .write)
        #expect(catalog.risk(ofBatch: ["crm.lead.add", "crm.item.delete?id=1"]) == .destructive)
        #expect(catalog.risk(ofBatch: []) == .read)
        #expect(catalog.risk(ofBatch: ["batch?cmd[a]=user.current"]) == .mixed)
    }
}
