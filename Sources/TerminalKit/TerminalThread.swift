import Foundation

/// Runs a backend on its own thread, so blocking key reads never stall the async world and every
/// backend call (ncurses is not thread-safe) happens on that one thread.
///
/// The thread loops: run queued jobs → draw the newest screen handed to `present` (diffed against
/// the last one; resizes and `redraw()` force a full repaint) → wait up to `pollInterval` for a key
/// and yield it to `keys`. Consume `keys` from the async runtime loop:
/// ```swift
/// let terminal = try TerminalThread { try NcursesBackend() }
/// for await key in terminal.keys { state.reduce(.key(key)); terminal.present(render(state, terminal.size)) }
/// ```
public final class TerminalThread: @unchecked Sendable {
    /// Keys (and `.resize` events) as they arrive. Finishes after `stop()`.
    public let keys: AsyncStream<KeyEvent>
    /// Longest wait for a key before queued screens and jobs are handled.
    public let pollInterval: Double

    private let lock = NSCondition()
    private var jobs: [(TerminalBackend) -> Void] = []
    private var pendingScreen: (Screen, Point?)?
    private var forceRedraw = false
    private var running = true
    private var finished = false
    private var cachedSize = Size.zero
    private var cachedDepth = ColorDepth.mono
    private let continuation: AsyncStream<KeyEvent>.Continuation
    private var startError: Error?
    private var started = false

    /// Starts the thread and creates the backend on it; rethrows the backend's error (e.g. no TERM).
    public init(pollInterval: Double = 0.03, makeBackend: @escaping () throws -> TerminalBackend) throws {
        self.pollInterval = pollInterval
        (keys, continuation) = AsyncStream<KeyEvent>.makeStream()
        let thread = Thread { [self] in
            let backend: TerminalBackend
            do { backend = try makeBackend() } catch {
                lock.lock(); startError = error; started = true; lock.broadcast(); lock.unlock()
                return
            }
            lock.lock(); cachedSize = backend.size; cachedDepth = backend.colorDepth; started = true; lock.broadcast(); lock.unlock()
            loop(backend)
        }
        thread.name = "terminal"
        thread.start()
        lock.lock()
        while !started { lock.wait() }
        lock.unlock()
        if let startError { throw startError }
    }

    /// Wraps an existing backend (e.g. a `VirtualTerminal` in tests); it must not be used elsewhere.
    public convenience init(backend: TerminalBackend, pollInterval: Double = 0.01) {
        // Cannot throw: the factory returns the given backend.
        try! self.init(pollInterval: pollInterval) { backend }
    }

    /// The terminal size as of the last poll.
    public var size: Size { lock.lock(); defer { lock.unlock() }; return cachedSize }
    /// The backend's colour depth.
    public var colorDepth: ColorDepth { lock.lock(); defer { lock.unlock() }; return cachedDepth }

    /// Shows `screen` (only the newest of several queued screens is drawn).
    public func present(_ screen: Screen, cursor: Point? = nil) {
        lock.lock(); pendingScreen = (screen, cursor); lock.unlock()
    }

    /// Repaints everything on the next present (e.g. Ctrl+L).
    public func redraw() { lock.lock(); forceRedraw = true; lock.unlock() }

    /// Runs `job` on the terminal thread (e.g. `suspend()` before an editor). Returns at once.
    public func perform(_ job: @escaping (TerminalBackend) -> Void) {
        lock.lock(); jobs.append(job); lock.unlock()
    }

    /// Stops the loop and waits until the thread has left it and the backend has given the terminal back
    /// (`shutdown()` on the terminal thread); `keys` then finishes. Returning any earlier let the process
    /// exit, and its `atexit` restore run, while the terminal thread was still tearing ncurses down: a crash
    /// on quit, seen under load.
    public func stop() {
        lock.lock()
        running = false
        while !finished { lock.wait() }
        lock.unlock()
    }

    private func loop(_ backend: TerminalBackend) {
        let presenter = ScreenPresenter(backend: backend)
        while true {
            lock.lock()
            let stop = !running
            let work = jobs
            jobs.removeAll()
            let screen = pendingScreen
            pendingScreen = nil
            let redraw = forceRedraw
            if screen != nil { forceRedraw = false }
            lock.unlock()
            if stop { break }
            for job in work { job(backend) }
            if let (s, cursor) = screen {
                if redraw { presenter.invalidate() }
                presenter.present(s, cursor: cursor)
            }
            if let key = backend.readKey(timeout: pollInterval) {
                if key == .resize {
                    presenter.invalidate()
                    lock.lock(); cachedSize = backend.size; lock.unlock()
                }
                continuation.yield(key)
            } else if backend is VirtualTerminal {
                Thread.sleep(forTimeInterval: pollInterval)  // the virtual terminal never blocks
            }
        }
        backend.shutdown()
        continuation.finish()
        lock.lock(); finished = true; lock.broadcast(); lock.unlock()
    }
}
