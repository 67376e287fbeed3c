import Foundation

/// Maps keys to action names (strings, so keymaps are data that users can remap).
///
/// File format (TOML), one line per action, each a key name or a list of them:
/// ```toml
/// [keys]
/// quit = ["q", "ctrl+c"]
/// help = "?"
/// down = []          # unbind
/// ```
/// Listing an action replaces all its keys; a key bound to another action moves to this one.
public struct Keymap: Sendable, Equatable {
    private var byKey: [KeyEvent: String] = [:]
    private var byAction: [String: [KeyEvent]] = [:]
    /// Actions in the order they were first bound (for stable help output).
    public private(set) var actions: [String] = []

    public init() {}

    /// Builds a keymap from (action, key names) pairs. Traps on a bad key name: for literals in code.
    public init(_ entries: KeyValuePairs<String, [String]>) {
        for (action, names) in entries {
            setKeys(names.map { name in
                guard let key = KeyEvent(parsing: name) else { preconditionFailure("bad key name \(name)") }
                return key
            }, for: action)
        }
    }

    /// The action bound to a key.
    public func action(for key: KeyEvent) -> String? { byKey[key] }

    /// The keys bound to an action, in binding order.
    public func keys(for action: String) -> [KeyEvent] { byAction[action] ?? [] }

    /// Every binding, key → action.
    public var bindings: [KeyEvent: String] { byKey }

    /// Binds `key` to `action` (taking it away from any other action).
    public mutating func bind(_ key: KeyEvent, to action: String) {
        unbind(key)
        byKey[key] = action
        byAction[action, default: []].append(key)
        if !actions.contains(action) { actions.append(action) }
    }

    /// Removes a key's binding.
    public mutating func unbind(_ key: KeyEvent) {
        guard let old = byKey.removeValue(forKey: key) else { return }
        byAction[old]?.removeAll { $0 == key }
    }

    /// Replaces all keys of `action` with `keys` (an empty list unbinds the action).
    public mutating func setKeys(_ keys: [KeyEvent], for action: String) {
        for key in byAction[action] ?? [] { byKey.removeValue(forKey: key) }
        byAction[action] = []
        if !actions.contains(action) { actions.append(action) }
        for key in keys { bind(key, to: action) }
    }

    /// Merges another keymap over this one: its actions replace this one's keys for those actions.
    public func merging(_ other: Keymap) -> Keymap {
        var result = self
        for action in other.actions { result.setKeys(other.keys(for: action), for: action) }
        return result
    }

    /// Merges the TOML table at `section` (default "keys") of `toml` over this keymap.
    /// - Parameters:
    ///   - file: how errors name the file.
    ///   - knownActions: when given, an action outside it is an error naming the key.
    /// - Throws: `ConfigFileError` (syntax, unknown action, bad key name, wrong type).
    public func merging(toml: String, section: String = "keys", file: String,
                        knownActions: Set<String>? = nil) throws -> Keymap {
        let table = try parseTOML(toml, file: file)
        guard let keys = try subtable(table, path: section, file: file) else { return self }
        var result = self
        for action in keys.keys.sorted() {
            let dotted = "\(section).\(action)"
            if let knownActions, !knownActions.contains(action) {
                throw ConfigFileError(file: file, key: dotted, problem: .unknownAction(action))
            }
            let value = keys[action]
            var names: [String] = []
            if let s = value?.string {
                names = [s]
            } else if let array = value?.array {
                for item in array {
                    guard let s = item.string else {
                        throw ConfigFileError(file: file, key: dotted, problem: .wrongType(expected: "a key name or a list of key names"))
                    }
                    names.append(s)
                }
            } else {
                throw ConfigFileError(file: file, key: dotted, problem: .wrongType(expected: "a key name or a list of key names"))
            }
            var parsed: [KeyEvent] = []
            for name in names {
                guard let key = KeyEvent(parsing: name) else {
                    throw ConfigFileError(file: file, key: dotted, problem: .badKeyName(name))
                }
                parsed.append(key)
            }
            result.setKeys(parsed, for: action)
        }
        return result
    }

    /// Reads and merges a keymap file; a missing file leaves the keymap unchanged.
    public func merging(contentsOfFile path: String, section: String = "keys",
                        knownActions: Set<String>? = nil) throws -> Keymap {
        guard FileManager.default.fileExists(atPath: path) else { return self }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigFileError(file: path, key: nil, problem: .unreadable(error.localizedDescription))
        }
        return try merging(toml: text, section: section, file: path, knownActions: knownActions)
    }

    /// The keymap as a TOML section (canonical key names), e.g. to show or save the effective bindings.
    public func tomlSection(_ section: String = "keys") -> String {
        var lines = ["[\(section)]"]
        for action in actions {
            let names = keys(for: action).map { "\"\(escapeTOML($0.description))\"" }
            let quotedAction = action.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? action : "\"\(action)\""
            lines.append("\(quotedAction) = [\(names.joined(separator: ", "))]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Help lines: for each (action, description) that has keys, the keys joined with ", ".
    public func help(_ descriptions: [(action: String, description: String)]) -> [HelpEntry] {
        descriptions.compactMap { item in
            let keys = keys(for: item.action)
            guard !keys.isEmpty else { return nil }
            return HelpEntry(keys: keys.map(\.description).joined(separator: ", "), description: item.description)
        }
    }

    /// Keys that terminal multiplexers (tmux, zellij) or flow control (XON/XOFF) take; the default
    /// keymaps leave them free.
    public static let reservedKeys: [KeyEvent] = [.ctrl("j"), .ctrl("s"), .ctrl("o")]

    /// Generic navigation: vim keys and arrows. Actions: up, down, left, right, top, bottom,
    /// page-up, page-down, select, back, next-tab, prev-tab, search, help, refresh, redraw, quit.
    public static let navigation = Keymap([
        "up": ["k", "up"], "down": ["j", "down"], "left": ["h", "left"], "right": ["l", "right"],
        "top": ["g", "home"], "bottom": ["G", "end"],
        "page-up": ["pgup", "ctrl+u"], "page-down": ["pgdn", "ctrl+d"],
        "select": ["enter"], "back": ["esc"],
        "next-tab": ["tab"], "prev-tab": ["shift+tab"],
        "search": ["/"], "help": ["?", "f1"], "refresh": ["f5", "ctrl+r"], "redraw": ["ctrl+l"],
        "quit": ["q", "ctrl+c"],
    ])

    /// Descriptions of the `navigation` actions for help screens.
    public static let navigationDescriptions: [(action: String, description: String)] = [
        ("up", "move up"), ("down", "move down"), ("left", "move left / collapse"), ("right", "move right / expand"),
        ("top", "go to the first item"), ("bottom", "go to the last item"),
        ("page-up", "page up"), ("page-down", "page down"), ("select", "open / confirm"), ("back", "go back / cancel"),
        ("next-tab", "next tab / field"), ("prev-tab", "previous tab / field"), ("search", "search"),
        ("help", "show help"), ("refresh", "refresh"), ("redraw", "redraw the screen"), ("quit", "quit"),
    ]
}

/// One line of generated help: the keys ("k, up") and what they do.
public struct HelpEntry: Equatable, Sendable {
    public var keys: String
    public var description: String
    public init(keys: String, description: String) {
        self.keys = keys
        self.description = description
    }
}

func escapeTOML(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}
