import Foundation

/// The work running for effects: one task per id (cancelled by id, by page, or by connection), plus untracked
/// helpers (connects, theme loads, timers) that only quitting cancels.
///
/// An answer is posted only while its work is still registered, checked under the lock that cancellation
/// takes: once `cancel` returned, nothing more arrives for that work.
final class EffectRunner: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [EffectID: (serial: Int, task: Task<Void, Never>)] = [:]
    private var helpers: [Int: Task<Void, Never>] = [:]
    private var serial = 0

    /// Starts `work` for `id` (cancelling earlier work of the same id). `work` posts through the function it is
    /// given, which drops what arrives after the work was cancelled or replaced.
    func start(_ id: EffectID, post: @escaping @Sendable (Action) -> Void,
               _ work: @escaping @Sendable (_ post: @escaping @Sendable (Action) -> Void) async -> Void) {
        lock.lock(); defer { lock.unlock() }
        serial += 1
        let mine = serial
        tasks[id]?.task.cancel()
        let guarded: @Sendable (Action) -> Void = { [weak self] action in
            guard let self else { return }
            self.lock.lock(); defer { self.lock.unlock() }
            if self.tasks[id]?.serial == mine { post(action) }
        }
        tasks[id] = (mine, Task.detached { [weak self] in
            await work(guarded)
            self?.finished(id, serial: mine)
        })
    }

    private func finished(_ id: EffectID, serial: Int) {
        lock.lock(); defer { lock.unlock() }
        if tasks[id]?.serial == serial { tasks[id] = nil }
    }

    /// Runs `work` as an untracked helper that quitting cancels.
    private func helper(_ work: @escaping @Sendable () async -> Void) {
        lock.lock(); defer { lock.unlock() }
        serial += 1
        let mine = serial
        helpers[mine] = Task.detached { [weak self] in
            await work()
            self?.lock.withLock { _ = self?.helpers.removeValue(forKey: mine) }
        }
    }

    /// Cancels the work of every id that matches.
    func cancel(where matches: (EffectID) -> Bool) {
        lock.lock(); defer { lock.unlock() }
        for (id, entry) in tasks where matches(id) {
            entry.task.cancel()
            tasks[id] = nil
        }
    }

    /// Cancels everything, helpers included (the console is quitting).
    func cancelAll() {
        cancel { _ in true }
        lock.lock(); defer { lock.unlock() }
        for task in helpers.values { task.cancel() }
        helpers.removeAll()
    }

    /// Ids with work still running (tests).
    var running: [EffectID] { lock.lock(); defer { lock.unlock() }; return Array(tasks.keys) }

    /// Runs an effect for the runtime: work with an id under this runner, the rest as helpers. Every answer
    /// goes to `post`.
    func execute(_ effect: Effect, services: ConsoleServices, post: @escaping @Sendable (Action) -> Void) {
        switch effect {
        case .call(let id, let request):
            start(id, post: post) { post in
                let outcome = await services.call(request, generation: id.generation)
                post(.answered(id, outcome.map { .call($0) } ?? .ended("not connected")))
            }
        case .stream(let id, let spec):
            start(id, post: post) { post in
                for await answer in services.stream(spec, generation: id.generation) { post(.answered(id, answer)) }
                post(.answered(id, .ended(nil)))
            }
        case .load(let id, let spec):
            start(id, post: post) { post in post(.answered(id, services.load(spec))) }
        case .cancel(let id):
            cancel { $0 == id }
        case .cancelPage(let page):
            cancel { $0.owner == .page(page) }
        case .connect(let profile, let generation):
            cancel { $0.generation < generation }
            helper { post(await services.connect(profile: profile, generation: generation)) }
        case .loadTheme(let name):
            helper { post(services.loadTheme(name)) }
        case .readLimiter(let generation):
            helper { post(services.readLimiter(generation: generation)) }
        case .schedule(let after, let action):
            helper {
                guard (try? await Task.sleep(nanoseconds: UInt64(max(0, after) * 1_000_000_000))) != nil else { return }
                post(action)
            }
        case .quit, .copy, .openEditor:
            break  // the loop ends on state.quitting; the runtime hands copies and the editor to the terminal thread
        case .run, .runLine, .closeOverlay, .status, .fetch:
            assertionFailure("intent \(effect.summary) reached the runtime; resolve(_:_:page:) handles intents")
        }
    }
}
