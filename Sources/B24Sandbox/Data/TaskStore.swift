import B24Wire
import Foundation

/// One task as the portal keeps it; the v2 and v3 views are rendered from this.
struct TaskRecord: Codable {
    var id: Int
    var title: String
    var description: String = ""
    var createdBy: Int
    var responsibleID: Int
    /// REAL_STATUS: 1 new, 2 pending, 3 in progress, 4 supposedly completed, 5 completed, 6 deferred, 7 declined.
    var status: Int = 2
    /// 0 low, 1 average, 2 high.
    var priority: Int = 1
    /// nil, "P" (positive) or "N" (negative).
    var mark: String?
    var deadline: Double?
    var createdDate: Double
    var changedDate: Double
    var changedBy: Int
    var statusChangedDate: Double
    var statusChangedBy: Int?
    var closedDate: Double?
    var closedBy: Int?
    var dateStart: Double?
    var startDatePlan: Double?
    var endDatePlan: Double?
    var groupID = 0
    var parentID: Int?
    var crm: [String] = []
    var auditors: [Int] = []
    var accomplices: [Int] = []
    var tags: [String] = []
    var taskControl = false
    var allowChangeDeadline = false
    var notViewed = false
    var guid: String
}

/// Tasks of the demo portal: a seeded set at start, plus what clients add. Small, so kept fully in memory.
final class TaskStore: @unchecked Sendable {
    private struct State: Codable {
        var tasks: [Int: TaskRecord] = [:]
        var nextID: Int
    }

    private let state: Locked<State>
    private let database: SandboxDatabase?
    private static let snapshotName = "tasks"

    static let demoCount = 60
    private static let titles = [
        "Подготовить коммерческое предложение", "Call the client back", "Согласовать договор с юристами",
        "Prepare the quarterly report", "Провести демонстрацию продукта", "Update the price list",
        "Выставить счёт клиенту", "Review the marketing plan", "Организовать встречу с партнёром",
        "Fix the website contact form", "Отправить документы в бухгалтерию", "Plan the trade show booth",
        "Проверить оплату по счёту", "Write onboarding guide", "Сверка с поставщиком", "Translate the brochure",
    ]

    init(seed: UInt64, crmCounts: [CRMEntity: Int], database: SandboxDatabase? = nil) {
        self.database = database
        if let saved = database?.loadSnapshot(Self.snapshotName, as: State.self) {
            state = Locked(saved)
            return
        }
        var random = SeededRandom(seed: seed ^ 0x7A5C_0001)
        var tasks: [Int: TaskRecord] = [:]
        let base = 1_735_689_600.0  // 2025-01-01
        for id in 1...Self.demoCount {
            let created = base + Double(id) * 43_200 + Double(random.next() % 3_600)
            let creator = Int(random.next() % 10) + 1
            let responsible = Int(random.next() % 10) + 1
            var task = TaskRecord(id: id, title: Self.titles[(id - 1) % Self.titles.count] + " #\(id)",
                                  createdBy: creator, responsibleID: responsible, createdDate: created,
                                  changedDate: created + 3_600, changedBy: creator, statusChangedDate: created,
                                  guid: Self.guid(&random))
            task.description = id % 3 == 0 ? "Описание задачи [B]\(id)[/B]" : ""
            task.status = [2, 2, 3, 3, 4, 5, 6][Int(random.next() % 7)]
            task.priority = Int(random.next() % 3)
            if random.next() % 4 != 0 { task.deadline = created + Double(random.next() % 60) * 86_400 }
            if task.status == 5 {
                task.closedDate = created + 86_400
                task.closedBy = responsible
                task.mark = random.next() % 2 == 0 ? "P" : nil
            }
            if task.status == 3 { task.dateStart = created + 7_200 }
            if random.next() % 3 == 0 {
                // Links to CRM records that exist in the generated data.
                let lead = Int(random.next() % UInt64(max(1, crmCounts[.lead] ?? 1))) + 1
                let deal = Int(random.next() % UInt64(max(1, crmCounts[.deal] ?? 1))) + 1
                task.crm = ["L_\(lead)", "D_\(deal)"]
                if random.next() % 2 == 0 { task.crm.append("C_\(Int(random.next() % 150) + 1)") }
            }
            if random.next() % 2 == 0 { task.auditors = [Int(random.next() % 10) + 1] }
            if random.next() % 3 == 0 { task.accomplices = [Int(random.next() % 10) + 1] }
            if random.next() % 4 == 0 { task.tags = ["sandbox"] }
            task.groupID = random.next() % 5 == 0 ? 1 : 0
            tasks[id] = task
        }
        state = Locked(State(tasks: tasks, nextID: Self.demoCount + 1))
    }

    static func guid(_ random: inout SeededRandom) -> String {
        let hex = random.hex(length: 32)
        let chars = Array(hex)
        func part(_ from: Int, _ count: Int) -> String { String(chars[from..<(from + count)]) }
        return "{\(part(0, 8))-\(part(8, 4))-\(part(12, 4))-\(part(16, 4))-\(part(20, 12))}"
    }

    func get(_ id: Int) -> TaskRecord? { state.withLock { $0.tasks[id] } }

    /// All tasks in ID order (a few dozen to a few thousand; lists filter and sort this copy).
    func all() -> [TaskRecord] { state.withLock { $0.tasks.values.sorted { $0.id < $1.id } } }

    /// Adds a task built by `make` with the next ID.
    func add(_ make: (Int) -> TaskRecord) -> TaskRecord {
        mutate { state in
            let task = make(state.nextID)
            state.tasks[task.id] = task
            state.nextID += 1
            return task
        }
    }

    /// Changes a task in place; nil when it does not exist. `change` may throw to refuse.
    func update(_ id: Int, _ change: (inout TaskRecord) throws -> Void) rethrows -> TaskRecord? {
        try mutate { state in
            guard var task = state.tasks[id] else { return nil }
            try change(&task)
            state.tasks[id] = task
            return task
        }
    }

    func delete(_ id: Int) -> Bool { mutate { $0.tasks.removeValue(forKey: id) != nil } }

    var count: Int { state.withLock { $0.tasks.count } }

    /// Opaque copy of every task, for all-or-nothing REST 3.0 batches.
    struct Snapshot { fileprivate let tasks: [Int: TaskRecord]; fileprivate let nextID: Int }

    func snapshot() -> Snapshot { state.withLock { Snapshot(tasks: $0.tasks, nextID: $0.nextID) } }

    func restore(_ snapshot: Snapshot) {
        mutate { state in
            state.tasks = snapshot.tasks
            state.nextID = snapshot.nextID
        }
    }

    /// Changes the state and, with `--data`, saves it before the lock is released (so saves keep their order).
    private func mutate<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try state.withLock { state in
            let result = try body(&state)
            database?.saveSnapshot(Self.snapshotName, state)
            return result
        }
    }
}
