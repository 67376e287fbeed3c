import Foundation
import TerminalKit

/// A thread-safe inbox with an async wait for "something arrived". Effect answers and other messages are
/// handed out before keys, so a key acts on the newest state.
final class ActionQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [Action] = []
    private var keys: [Action] = []
    private var waiter: CheckedContinuation<Void, Never>?

    func post(_ action: Action) {
        lock.lock()
        switch action {
        case .key, .resize: keys.append(action)
        default: messages.append(action)
        }
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume()
    }

    /// Everything queued, messages first, waiting until there is at least one action.
    func drain() async -> [Action] {
        while true {
            if let batch = take() { return batch }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in park(c) }
        }
    }

    private func take() -> [Action]? {
        lock.lock(); defer { lock.unlock() }
        guard !messages.isEmpty || !keys.isEmpty else { return nil }
        defer { messages.removeAll(); keys.removeAll() }
        return messages + keys
    }

    /// Keeps the waiter unless something arrived in the meantime.
    private func park(_ c: CheckedContinuation<Void, Never>) {
        lock.lock()
        if messages.isEmpty && keys.isEmpty { waiter = c; lock.unlock() } else { lock.unlock(); c.resume() }
    }
}

/// The console loop: drain queued actions (effect answers first, then keys), reduce each, run the effects, then
/// render once per batch and hand the screen to the terminal thread, which sends only the changed cells
/// (everything after a resize). Effects with ids run under an ``EffectRunner``: they can be cancelled, and a
/// new connection cancels the old one's work.
public final class ConsoleRuntime: @unchecked Sendable {
    public let services: ConsoleServices
    public let terminal: TerminalThread
    private let queue = ActionQueue()
    let runner = EffectRunner()
    private let stateLock = NSLock()
    private var stateStorage: ConsoleState
    private var presented: Frame?
    /// Called on the terminal thread right after the first frame was drawn (startup benchmark).
    public var onFirstFrame: (@Sendable () -> Void)?

    /// - Parameter firstFrame: a frame the caller already drew on the terminal (nil: `run` draws it).
    public init(state: ConsoleState, services: ConsoleServices, terminal: TerminalThread, firstFrame: Frame? = nil) {
        stateStorage = state
        presented = firstFrame
        self.services = services
        self.terminal = terminal
    }

    /// A copy of the current state.
    public var state: ConsoleState { stateLock.lock(); defer { stateLock.unlock() }; return stateStorage }

    /// The last frame handed to the terminal.
    public var lastFrame: Frame? { stateLock.lock(); defer { stateLock.unlock() }; return presented }

    /// Queues an action from outside (tests, signals).
    public func post(_ action: Action) { queue.post(action) }

    /// Runs until the state says quit. Does not stop the terminal or the services.
    public func run() async {
        var state = self.state
        state.size = terminal.size
        commit(state)
        if lastFrame == nil || lastFrame?.screen.size != state.size { presentFirst(state) }
        let terminal = self.terminal
        let queue = self.queue
        let keys = Task.detached {
            for await key in terminal.keys {
                queue.post(key == .resize ? .resize(terminal.size) : .key(key))
            }
        }
        defer { keys.cancel() }
        queue.post(.start)
        while !state.quitting {
            let batch = await queue.drain()
            for action in batch {
                if case .key(let key) = action, state.keymap.keyAction(for: key) == .redraw, state.overlay == nil {
                    terminal.redraw()
                }
                let effects = reduce(&state, action)
                for effect in effects { execute(effect) }
                if state.quitting { break }
            }
            commit(state)
            if !state.quitting { present(state) }
        }
        runner.cancelAll()  // calls, streams and timers end with the console
    }

    private func commit(_ state: ConsoleState) {
        stateLock.lock(); stateStorage = state; stateLock.unlock()
    }

    private func present(_ state: ConsoleState) {
        let frame = renderFrame(state, size: state.size)
        stateLock.lock()
        let unchanged = presented == frame
        presented = frame
        stateLock.unlock()
        if !unchanged { terminal.present(frame.screen, cursor: frame.cursor) }
    }

    /// The first frame is drawn by a job, so the hook runs right after it hits the terminal.
    private func presentFirst(_ state: ConsoleState) {
        let frame = renderFrame(state, size: state.size)
        stateLock.lock(); presented = frame; stateLock.unlock()
        let hook = onFirstFrame
        terminal.perform { backend in
            backend.draw(ScreenDiff.full(frame.screen))
            backend.setCursor(visible: frame.cursor != nil, at: frame.cursor)
            hook?()
        }
    }

    private func execute(_ effect: Effect) {
        let queue = self.queue
        switch effect {
        case .copy(let text):
            terminal.perform { $0.copyToClipboard(text) }
            return
        case .openEditor(let id, let text, let name):
            // On the terminal thread: nothing else draws or reads keys while the editor owns the terminal.
            let terminal = self.terminal
            let environment = services.launch.environment
            terminal.perform { backend in
                let answer = ExternalEditor(environment: environment).edit(text, name: name, suspend: backend.suspend, restore: backend.restore)
                terminal.redraw()
                queue.post(.answered(id, answer))
            }
            return
        default:
            break
        }
        runner.execute(effect, services: services) { queue.post($0) }
    }
}
