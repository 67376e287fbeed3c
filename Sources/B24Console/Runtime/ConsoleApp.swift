import B24Catalog
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
        let theme: Theme
        switch services.loadTheme(themeName) {
        case .themeLoaded(_, let t): theme = t
        case .themeFailed(let message):
            themeError = message
            theme = (try? ThemeStore(environment: launch.environment).resolve("default", depth: services.colorDepth)) ?? .plain
        default: theme = .plain
        }
        var state = ConsoleState(catalog: .bundled, keymap: keymap, theme: theme,
                                 themeName: themeError == nil ? themeName : "default", size: size)
        state.themeFromFlag = launch.theme != nil
        state.readOnlyFlag = launch.readOnly
        if let error = keyError ?? themeError { state.status = StatusMessage(error, kind: .error) }
        return state
    }

    /// Takes the terminal (`makeBackend` runs on the terminal thread), runs the loop, restores the
    /// terminal and stops the embedded sandbox. Returns the process exit code; a terminal that cannot
    /// be used prints its error (e.g. TERM unset) and returns 1.
    public static func run(_ launch: ConsoleLaunch, makeBackend: @escaping () throws -> TerminalBackend) async -> Int32 {
        let terminal: TerminalThread
        do { terminal = try TerminalThread(makeBackend: makeBackend) } catch {
            FileHandle.standardError.write(Data("b24: \(error)\n".utf8))
            return 1
        }
        let services = ConsoleServices(launch: launch)
        services.colorDepth = terminal.colorDepth
        let state = initialState(launch: launch, services: services, size: terminal.size)
        let runtime = ConsoleRuntime(state: state, services: services, terminal: terminal)
        if let marker = launch.environment["B24_FIRST_FRAME_FILE"], !marker.isEmpty {
            runtime.onFirstFrame = { writeTimestamp(to: marker) }
        }
        await runtime.run()
        terminal.stop()
        await services.shutdown()
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
