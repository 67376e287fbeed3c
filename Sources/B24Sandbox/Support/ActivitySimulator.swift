import B24Wire
import Foundation

/// A simulated colleague (`SandboxOptions.activityPerSecond`): a seeded sequence of CRM and task changes made in
/// the background, each raising the same events an API call would. The sequence of changes depends only on the
/// seed; the timing follows the wall clock.
enum ActivitySimulator {
    static func start(portal: Portal, perSecond: Double) -> Task<Void, Never> {
        Task.detached {
            var random = SeededRandom(seed: portal.options.seed ^ 0xAC71_F17E)
            let interval = UInt64(max(0.001, 1 / perSecond) * 1e9)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: interval)
                if Task.isCancelled { break }
                step(portal: portal, random: &random)
            }
        }
    }

    /// One change by a random demo user.
    static func step(portal: Portal, random: inout SeededRandom) {
        let now = PortalClock.now()
        let user = Int(random.next() % 10) + 1
        let counts = portal.crm.generator.counts
        func pickID(_ entity: CRMEntity) -> Int { Int(random.next() % UInt64(max(1, counts[entity] ?? 1))) + 1 }
        switch random.next() % 8 {
        case 0:
            let id = portal.crm.add(.lead, fields: ["TITLE": .string("Заявка с сайта #\(random.next() % 10_000)"),
                                                    "SOURCE_ID": "WEB"], userID: user, now: now)
            portal.raiseCRMEvent(.lead, "ADD", id: id, caller: nil, authConnector: nil)
        case 1, 2:
            let id = pickID(.lead)
            let statuses = ["NEW", "IN_PROCESS", "PROCESSED"]
            if portal.crm.update(.lead, id: id, fields: ["STATUS_ID": .string(statuses[Int(random.next() % 3)])],
                                 userID: user, now: now) {
                portal.raiseCRMEvent(.lead, "UPDATE", id: id, caller: nil, authConnector: nil)
            }
        case 3:
            let id = pickID(.deal)
            let opportunity = Double(random.next() % 500_000) / 10
            if portal.crm.update(.deal, id: id, fields: ["OPPORTUNITY": .double(opportunity)], userID: user, now: now) {
                portal.raiseCRMEvent(.deal, "UPDATE", id: id, caller: nil, authConnector: nil)
            }
        case 4:
            let id = portal.crm.add(.deal, fields: ["TITLE": .string("Deal from simulator #\(random.next() % 10_000)")],
                                    userID: user, now: now)
            portal.raiseCRMEvent(.deal, "ADD", id: id, caller: nil, authConnector: nil)
        case 5:
            let id = pickID(.contact)
            if portal.crm.update(.contact, id: id, fields: ["COMMENTS": .string("call #\(random.next() % 100)")],
                                 userID: user, now: now) {
                portal.raiseCRMEvent(.contact, "UPDATE", id: id, caller: nil, authConnector: nil)
            }
        case 6:
            var guidRandom = SeededRandom(seed: random.next())
            let task = portal.tasks.add { id in
                TaskRecord(id: id, title: "Перезвонить клиенту #\(id)", createdBy: user,
                           responsibleID: Int(random.next() % 10) + 1, createdDate: now, changedDate: now,
                           changedBy: user, statusChangedDate: now, guid: TaskStore.guid(&guidRandom))
            }
            portal.raiseTaskEvent("ONTASKADD", id: task.id, caller: nil, authConnector: nil)
        default:
            let id = Int(random.next() % UInt64(TaskStore.demoCount)) + 1
            let status = [2, 3, 5][Int(random.next() % 3)]
            let changed = portal.tasks.update(id) { task in
                task.status = status
                task.changedDate = now
                task.changedBy = user
                task.statusChangedDate = now
                task.closedDate = status == 5 ? now : nil
                task.closedBy = status == 5 ? user : nil
            }
            if changed != nil { portal.raiseTaskEvent("ONTASKUPDATE", id: id, caller: nil, authConnector: nil) }
        }
        portal.stats.simulatedChange()
    }
}
