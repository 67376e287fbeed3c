import Foundation

/// The work running for effects with ids: one task per id, cancelled by id, by page or by connection.
final class EffectRunner: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [EffectID: (serial: Int, task: Task<Void, Never>)] = [:]
    private var serial = 0

    /// Starts `work` for `id` (cancelling earlier work of the same id).
    func start(_ id: EffectID, _ work: @escaping @Sendable () async -> Void) {
        lock.lock(); defer { lock.unlock() }
        serial += 1
        let mine = serial
        tasks[id]?.task.cancel()
        tasks[id] = (mine, Task.detached { [weak self] in
            await work()
            self?.finished(id, serial: mine)
        })
    }

    private func finished(_ id: EffectID, serial: Int) {
        lock.lock(); defer { lock.unlock() }
        if tasks[id]?.serial == serial { tasks[id] = nil }
    }

    /// Cancels the work of every id that matches.
    func cancel(where matches: (EffectID) -> Bool) {
        lock.lock(); defer { lock.unlock() }
        for (id, entry) in tasks where matches(id) {
            entry.task.cancel()
            tasks[id] = nil
        }
    }

    /// Ids with work still running (tests).
    var running: [EffectID] { lock.lock(); defer { lock.unlock() }; return Array(tasks.keys) }

    /// Runs an effect for the runtime: work with an id under this runner, the rest as plain tasks. Every
    /// answer goes to `post`; work cancelled (by id, page or a new connection) posts nothing more.
    func execute(_ effect: Effect, services: ConsoleServices, post: @escaping @Sendable (Action) -> Void) {
        switch effect {
        case .call(let id, let request):
            start(id) {
                let outcome = await services.call(request)
                if !Task.isCancelled { post(.answered(id, outcome.map { .call($0) } ?? .ended("not connected"))) }
            }
        case .stream(let id, let spec):
            start(id) {
                for await answer in services.stream(spec) {
                    if Task.isCancelled { return }
                    post(.answered(id, answer))
                }
            }
        case .cancel(let id):
            cancel { $0 == id }
        case .cancelPage(let page):
            cancel { $0.owner == .page(page) }
        case .connect(let profile, let generation):
            cancel { $0.generation < generation }
            Task.detached { post(await services.connect(profile: profile, generation: generation)) }
        case .loadTheme(let name):
            Task.detached { post(services.loadTheme(name)) }
        case .readLimiter:
            Task.detached { post(services.readLimiter()) }
        case .schedule(let after, let action):
            Task.detached {
                try? await Task.sleep(nanoseconds: UInt64(max(0, after) * 1_000_000_000))
                post(action)
            }
        case .quit:
            break  // the loop ends on state.quitting
        case .run, .runLine, .closeOverlay, .status, .fetch:
            assertionFailure("intent \(effect.summary) reached the runtime; resolve(_:_:page:) handles intents")
        }
    }
}
