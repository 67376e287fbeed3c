import Foundation
import Testing
@testable import B24Catalog

@Suite("Method specs")
struct MethodSpecTests {
    let catalog = Catalog.bundled

    @Test func crmLeadListHasIntegerStart() throws {
        let spec = try #require(catalog.spec(for: "crm.lead.list"))
        #expect(spec.api == .v2)
        #expect(spec.scope == "crm")
        let start = try #require(spec.param(named: "start"))
        #expect(start.type == .integer)
        #expect(!start.required)
        #expect(spec.param(named: "FILTER")?.type == .object)
        #expect(spec.docURL?.absoluteString.hasSuffix("crm/leads/crm-lead-list.md") == true)
    }

    @Test func rest3TaskGetExists() throws {
        let v3 = try #require(catalog.spec(for: "tasks.task.get", version: .v3))
        #expect(v3.api == .v3)
        #expect(v3.param(named: "id")?.required == true)
        #expect(v3.param(named: "id")?.type == .integer)
        #expect(v3.errors.contains { $0.code == "BITRIX_REST_V3_EXCEPTION_ENTITYNOTFOUNDEXCEPTION" })
        let v2 = try #require(catalog.spec(for: "tasks.task.get"))
        #expect(v2.param(named: "taskId") != nil)
        #expect(catalog.specs(for: "TASKS.TASK.GET").map(\.api) == [.v2, .v3])
        #expect(catalog.spec(for: "tasks.task.delete", version: .v3) != nil)
        #expect(catalog.spec(for: "crm.lead.list", version: .v3) == nil)
    }

    @Test func everyCoreMethodHasASpec() {
        for method in catalog.defaultPack.methods {
            #expect(catalog.spec(for: method.name) != nil, "\(method.name)")
        }
    }

    @Test func sandboxMethodsHaveSpecs() {
        var names: [String] = []
        for entity in ["lead", "deal", "contact", "company"] {
            for verb in ["fields", "add", "get", "list", "update", "delete"] { names.append("crm.\(entity).\(verb)") }
        }
        names += ["user.current", "user.get", "department.get", "profile", "server.time", "scope", "methods",
                  "method.get", "feature.get", "events", "app.info", "tasks.task.add", "tasks.task.get",
                  "tasks.task.list", "tasks.task.update", "tasks.task.complete", "event.bind", "event.get",
                  "event.unbind", "event.offline.get", "event.offline.clear", "event.offline.error",
                  "event.offline.list", "batch", "im.message.add", "bizproc.workflow.template.list",
                  "sonet_group.get", "disk.storage.getlist", "disk.folder.getchildren", "tasks.api.scrum.sprint.list",
                  "sale.order.list", "catalog.product.list", "calendar.event.get", "timeman.status",
                  "entity.item.get", "ai.engine.list", "landing.site.getList", "userconsent.agreement.list",
                  "imbot.register", "bizproc.workflow.start"]
        for name in names { #expect(catalog.spec(for: name) != nil, "\(name)") }
        for verb in ["add", "get", "list", "update", "delete"] {
            #expect(catalog.spec(for: "tasks.task.\(verb)", version: .v3) != nil, "v3 \(verb)")
        }
        #expect(catalog.specs.count == 69)
        #expect(catalog.specs.filter { $0.api == .v3 }.count == 5)
    }

    @Test func specsAreWellFormed() throws {
        for spec in catalog.specs {
            #expect(!spec.summary.isEmpty, "\(spec.id)")
            #expect(!spec.result.isEmpty, "\(spec.id)")
            #expect(!spec.scope.isEmpty, "\(spec.id)")
            var names = Set<String>()
            for param in spec.params {
                #expect(names.insert(param.name).inserted, "\(spec.id) repeats \(param.name)")
                #expect(!param.description.isEmpty, "\(spec.id).\(param.name)")
                if let example = param.example {
                    // examples are JSON text
                    #expect((try? JSONSerialization.jsonObject(with: Data(example.utf8), options: .fragmentsAllowed)) != nil,
                            "\(spec.id).\(param.name) example \(example)")
                }
            }
            for error in spec.errors { #expect(!error.meaning.isEmpty, "\(spec.id)") }
        }
    }

    @Test func documentedShapesAreKept() throws {
        #expect(catalog.spec(for: "crm.lead.get")?.requiredParams.map(\.name) == ["id"])
        #expect(catalog.spec(for: "tasks.task.update")?.requiredParams.map(\.name) == ["taskId", "fields"])
        #expect(catalog.spec(for: "im.message.add")?.requiredParams.map(\.name) == ["DIALOG_ID", "MESSAGE"])
        #expect(catalog.spec(for: "event.bind")?.requiredParams.map(\.name) == ["event", "handler"])
        #expect(catalog.spec(for: "calendar.event.get")?.requiredParams.map(\.name) == ["type", "ownerId"])
        let department = try #require(catalog.spec(for: "department.get"))
        #expect(department.param(named: "SORT")?.type == .integer)
        #expect(department.param(named: "sort")?.type == .string)
        #expect(department.param(named: "Start")?.name == "START")
        let batch = try #require(catalog.spec(for: "batch"))
        #expect(batch.errors.first { $0.code == "ERROR_BATCH_LENGTH_EXCEEDED" }?.http == 400)
        #expect(batch.errors.first { $0.code == "ERROR_BATCH_METHOD_NOT_ALLOWED" }?.http == 405)
        let notFound = try #require(catalog.spec(for: "crm.deal.get")?.errors.first { $0.message == "Not found" })
        #expect(notFound.code == "")
        let fields = try #require(catalog.spec(for: "crm.lead.add")?.param(named: "fields")?.fields)
        #expect(fields.contains { $0.name == "TITLE" } || fields.contains { $0.name == "NAME" })
        #expect(fields.first { $0.name == "OPPORTUNITY" }?.type == .double)
    }
}
