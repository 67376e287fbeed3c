import B24Client
import Foundation
import TerminalKit

/// The console's keymap: TerminalKit's navigation keys plus console actions, remappable in
/// `$XDG_CONFIG_HOME/b24/config.toml` under `[keys]`, every name one of ``KeyAction``.
public enum ConsoleKeymap {
    /// Console actions on top of `Keymap.navigation`. Backspace also goes back; no Ctrl+J/S/O
    /// (tmux and flow control take them).
    public static let consoleBindings = Keymap([
        KeyAction.back.rawValue: ["esc", "backspace"],
        KeyAction.palette.rawValue: [":"],
        KeyAction.home.rawValue: ["H"],
        KeyAction.packs.rawValue: ["P"],
        KeyAction.rawView.rawValue: ["r", "f2"],
        KeyAction.copyValue.rawValue: ["y"],
        KeyAction.copyPath.rawValue: ["Y"],
        KeyAction.copyCurl.rawValue: ["C"],
        KeyAction.copyCommand.rawValue: ["B"],
        KeyAction.copyCurlSecret.rawValue: ["R"],
        // n/N are the next and previous search hit, as in less and vim; the next page moves one key along.
        KeyAction.nextPage.rawValue: ["]"],
        KeyAction.nextHit.rawValue: ["n"],
        KeyAction.previousHit.rawValue: ["N"],
        KeyAction.pathFilter.rawValue: ["f"],
        KeyAction.fetchAll.rawValue: ["a"],
        KeyAction.cancel.rawValue: ["x"],
        KeyAction.stepView.rawValue: ["s"],
        KeyAction.diagnose.rawValue: ["d"],
        // Forms take printable keys as text: F7 and F8 work there too.
        KeyAction.runChain.rawValue: ["o"],  // p pauses the events screen
        KeyAction.nextStep.rawValue: [">", "f7"],
        KeyAction.skipStep.rawValue: ["S", "f8"],
        KeyAction.callMethod.rawValue: ["c"],
        KeyAction.editInForm.rawValue: ["e"],
        KeyAction.send.rawValue: ["ctrl+g", "f9"],
        KeyAction.editExternally.rawValue: ["f4"],
        KeyAction.addEntry.rawValue: ["ctrl+n"],
        KeyAction.removeEntry.rawValue: ["ctrl+x"],
        KeyAction.follow.rawValue: ["F"],
        KeyAction.pause.rawValue: ["p"],
        KeyAction.bindEvent.rawValue: ["b"],
        KeyAction.unbindEvent.rawValue: ["u"],
    ])

    /// The keymap used when no config file changes it.
    public static let defaults: Keymap = Keymap.navigation.merging(consoleBindings)

    /// What each action does, in help order.
    public static var descriptions: [(action: String, description: String)] {
        KeyAction.allCases.map { ($0.rawValue, $0.helpText) }
    }

    /// Every action a config file may bind.
    public static var knownActions: Set<String> { Set(KeyAction.allCases.map(\.rawValue)) }

    /// `config.toml` in b24's config directory (`$XDG_CONFIG_HOME/b24`, else `~/.config/b24`).
    public static func configFile(environment: [String: String]) -> String? {
        guard environment["XDG_CONFIG_HOME"].map({ !$0.isEmpty }) == true || environment["HOME"].map({ !$0.isEmpty }) == true
        else { return nil }
        return B24Paths.fromEnvironment(environment).configDirectory.appendingPathComponent("config.toml").path
    }

    /// The defaults merged with the config file. A broken file leaves the defaults and returns the
    /// error (naming file and key) for the status line.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> (Keymap, String?) {
        guard let path = configFile(environment: environment) else { return (defaults, nil) }
        do {
            return (try defaults.merging(contentsOfFile: path, section: "keys", knownActions: knownActions), nil)
        } catch {
            return (defaults, "\(error)")
        }
    }

    /// Help lines for a keymap.
    public static func help(_ keymap: Keymap) -> [HelpEntry] { keymap.help(descriptions) }
}
