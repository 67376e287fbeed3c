import B24Catalog
import B24Client
import Foundation
import TerminalKit

/// Starts the console on a terminal and runs it until quit.
public enum ConsoleApp {
    /// The initial state: keymap from config.toml, theme from `--theme`, else "default" (a profile's
    /// theme follows once connected). Config and theme errors land in the status line.
    public static func initialState(launch: ConsoleLaunch, services: ConsoleServices, size: Size) -> ConsoleState {
        let (keymap, rawKeyError) = ConsoleKeymap.load(environment: launch.environment)
        let keyError = rawKeyError.map(services.abbreviateHome)
        let themeName = launch.theme ?? "default"
        var themeError: String?
        var label = themeName
        let theme: Theme
        switch services.loadTheme(themeName) {
        case .themeLoaded(let shown, let t): theme = t; label = shown
        case .themeFailed(let message):
            themeError = message
            theme = (try? services.themeStore.resolve("default", depth: services.colorDepth)) ?? .plain
        default: theme = .plain
        }
        var state = ConsoleState(catalog: .bundled, keymap: keymap, theme: theme,
                                 themeName: themeError == nil ? label : "default", size: size)
        state.themeFromFlag = launch.theme != nil
        state.readOnlyFlag = launch.readOnly
        if let error = keyError ?? themeError { state.status = StatusMessage(error, kind: .error) }
        return state
    }

    /// The exit code when there is no usable terminal: b24's usage code, as for any other bad environment.
    public static let unusableTerminalExitCode = B24ExitCode.usage

    /// Takes the terminal (`makeBackend` runs on the terminal thread), runs the loop, restores the
    /// terminal and stops the embedded sandbox. Returns the process exit code; a terminal that cannot
    /// be used prints its error (e.g. TERM unset) and returns ``unusableTerminalExitCode``.
    public static func run(_ launch: ConsoleLaunch, makeBackend: @escaping () throws -> TerminalBackend) async -> Int32 {
        let services = ConsoleServices(launch: launch)
        let boot = BootState()
        let marker = launch.environment["B24_FIRST_FRAME_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let terminal: TerminalThread
        do {
            // The first frame is drawn on the terminal thread as soon as the backend exists: waiting
            // for the thread's first key poll would add up to its poll interval to startup.
            terminal = try TerminalThread {
                let backend = try makeBackend()
                services.colorDepth = backend.colorDepth
                let state = initialState(launch: launch, services: services, size: backend.size)
                let frame = renderFrame(state, size: state.size)
                backend.draw(ScreenDiff.full(frame.screen))
                backend.setCursor(visible: frame.cursor != nil, at: frame.cursor)
                if let marker { writeTimestamp(to: marker) }
                boot.set(state, frame)
                return backend
            }
        } catch {
            FileHandle.standardError.write(Data("b24: \(error)\n".utf8))
            return unusableTerminalExitCode
        }
        guard let (state, frame) = boot.get() else { return unusableTerminalExitCode }
        let runtime = ConsoleRuntime(state: state, services: services, terminal: terminal, firstFrame: frame)
        await runtime.run()
        terminal.stop()
        await services.shutdown(waitingAtMost: 2)
        return 0
    }

    /// Writes the wall-clock time (seconds since 1970, nanosecond digits) to `path`.
    static func writeTimestamp(to path: String) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let text = String(format: "%ld.%09ld\n", ts.tv_sec, ts.tv_nsec)
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }
}

/// Hands the state and frame built on the terminal thread to the caller.
private final class BootState: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (ConsoleState, Frame)?
    func set(_ state: ConsoleState, _ frame: Frame) { lock.lock(); value = (state, frame); lock.unlock() }
    func get() -> (ConsoleState, Frame)? { lock.lock(); defer { lock.unlock() }; return value }
}
