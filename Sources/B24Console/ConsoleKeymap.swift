import Foundation
import TerminalKit

/// The console's keymap: TerminalKit's navigation keys plus console actions, remappable in
/// `$XDG_CONFIG_HOME/b24/config.toml` under `[keys]`.
public enum ConsoleKeymap {
    /// Console actions on top of `Keymap.navigation`. Backspace also goes back; no Ctrl+J/S/O
    /// (tmux and flow control take them).
    public static let consoleBindings = Keymap([
        "back": ["esc", "backspace"],
        "palette": [":"],
        "home": ["H"],
        "packs": ["P"],
    ])

    /// The keymap used when no config file changes it.
    public static let defaults: Keymap = Keymap.navigation.merging(consoleBindings)

    /// What each action does, in help order.
    public static let descriptions: [(action: String, description: String)] =
        Keymap.navigationDescriptions.map { item in
            item.action == "back" ? (item.action, "go back / close") : item
        } + [
            ("palette", "command palette (:packs, :pack NAME, :method NAME, :chains, :profile NAME, :theme NAME, :quit)"),
            ("home", "go to Home"),
            ("packs", "go to the pack list"),
        ]

    /// Every action a config file may bind.
    public static var knownActions: Set<String> { Set(descriptions.map(\.action)) }

    /// `$XDG_CONFIG_HOME/b24/config.toml`, else `$HOME/.config/b24/config.toml`.
    public static func configFile(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/b24/config.toml" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/b24/config.toml" }
        return nil
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
