import B24Catalog
import B24Client
import Testing

@Suite("Read targets: every write names how to read what it changes")
struct ReadTargetTests {
    static var changingMethods: [CatalogMethod] {
        Catalog.bundled.allMethods.filter { $0.risk.mayChangeData }
    }

    @Test("Entity writes read their record: crm.X → crm.X.get by id, crm.item by entityTypeId + id, tasks by taskId")
    func entityTargets() {
        for name in ["lead", "deal", "contact", "company"] {
            guard case .update(let entity) = ReadTargets.effect(of: "crm.\(name).update") else {
                Issue.record("crm.\(name).update has no read target")
                continue
            }
            #expect(entity.getMethod == "crm.\(name).get" && entity.idParam == "id")
            guard case .delete(let deleted) = ReadTargets.effect(of: "crm.\(name).delete") else {
                Issue.record("crm.\(name).delete has no read target")
                continue
            }
            #expect(deleted == entity)
        }
        guard case .update(let item) = ReadTargets.effect(of: "crm.item.update") else {
            Issue.record("crm.item.update has no read target")
            return
        }
        #expect(item.getMethod == "crm.item.get" && item.scopeParams == ["entityTypeId"] && item.recordKey == "item")
        guard case .update(let task) = ReadTargets.effect(of: "tasks.task.update") else {
            Issue.record("tasks.task.update has no read target")
            return
        }
        #expect(task.getMethod == "tasks.task.get" && task.idParam == "taskId")
        guard case .delete = ReadTargets.effect(of: "tasks.task.delete") else {
            Issue.record("tasks.task.delete has no read target")
            return
        }
        if case .action(_, let implied) = ReadTargets.effect(of: "tasks.task.complete") {
            #expect(implied["STATUS"] == "5")
        } else {
            Issue.record("tasks.task.complete should read its task")
        }
    }

    @Test("Every catalog write or destructive method has a read target or a stated reason for having none")
    func everyWriteIsAccounted() {
        var withoutTarget: [(String, String)] = []
        for method in Self.changingMethods {
            switch ReadTargets.effect(of: method.name) {
            case .noPreview(let reason):
                #expect(!reason.hasPrefix("b24 does not know"), "\(method.name) has no read target and no reason")
                withoutTarget.append((method.name, reason))
            default:
                break
            }
        }
        // The list people read when they wonder why a method shows only its payload.
        let readable = Set(Self.changingMethods.map(\.name)).subtracting(withoutTarget.map(\.0))
        #expect(readable == ["crm.lead.add", "crm.lead.update", "crm.deal.add", "crm.deal.update", "tasks.task.add",
                             "tasks.task.update", "tasks.task.complete"])
        #expect(withoutTarget.count == Self.changingMethods.count - readable.count)
        // No stale entries: each reason belongs to a catalog method.
        let names = Set(Catalog.bundled.allMethods.map { $0.name.lowercased() })
        for name in ReadTargets.withoutTarget.keys { #expect(names.contains(name.lowercased()), "\(name) is not in the catalog") }
    }

    @Test("A method unknown to the catalog and to the entities says it cannot be previewed")
    func unknownMethod() {
        guard case .noPreview(let reason) = ReadTargets.effect(of: "vendor.thing.update") else {
            Issue.record("vendor.thing.update should have no preview")
            return
        }
        #expect(reason.contains("vendor.thing.update"))
    }
}
