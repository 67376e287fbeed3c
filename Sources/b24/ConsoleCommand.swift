import ArgumentParser
import B24Console
import Foundation
import NcursesTerminal

/// `b24` / `b24 console`: the terminal console on the default profile (the embedded sandbox portal
/// when no profile is configured).
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the console (the default command).",
        discussion: """
            With no profile configured the console starts the built-in sandbox portal and connects to it. \
            Keys: arrows or hjkl move, Enter opens, Esc goes back, / searches, : opens the command palette, \
            ? shows every key, q quits. Keys are remapped in $XDG_CONFIG_HOME/b24/config.toml ([keys]).
            """)

    @Option(name: .long, help: "Open this saved profile ('sandbox' for the built-in portal).")
    var profile: String?

    @Option(name: .long, help: "Theme: default, light, high-contrast, mono, or a file in $XDG_CONFIG_HOME/b24/themes/.")
    var theme: String?

    @Flag(name: .long, help: "Refuse writes for this session.")
    var readOnly = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let launch = ConsoleLaunch(profile: profile, theme: theme, readOnly: readOnly, environment: environment)
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let code = await ConsoleApp.run(launch) {
            let backend = try NcursesBackend(environment: environment, maximumDepth: noColor ? .mono : .trueColor)
            NcursesBackend.installSignalHandlers()
            return backend
        }
        if code != 0 { throw ExitCode(code) }
    }
}
