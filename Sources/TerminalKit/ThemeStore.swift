import Foundation
import TOMLKit

/// Finds themes by name. A user file `THEMES_DIRECTORY/NAME.toml` (the app says where: TerminalKit knows no
/// app's config directory) wins over the built-in of the same name; built-ins are "default", "light",
/// "high-contrast" and "mono", embedded in the module.
public struct ThemeStore: Sendable {
    /// Directory searched for user themes; nil = built-ins only.
    public var userDirectory: String?
    /// True when `NO_COLOR` is set to a non-empty value: `resolve` then always answers "mono".
    public var noColor: Bool

    public static let builtInNames = ["default", "light", "high-contrast", "mono"]

    public init(userDirectory: String?, noColor: Bool = false) {
        self.userDirectory = userDirectory
        self.noColor = noColor
    }

    /// User themes in `configDirectory/themes` (the app's own config directory, nil for built-ins only);
    /// `NO_COLOR` read from `environment`.
    public init(configDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(userDirectory: configDirectory.map { $0 + "/themes" },
                  noColor: !(environment["NO_COLOR"] ?? "").isEmpty)
    }

    /// The built-in theme text (the TOML shipped in `themes/`).
    public static func builtInSource(_ name: String) -> String? { BundledThemes.files[name] }

    /// Built-in names plus user theme files, sorted, without duplicates.
    public func availableNames() -> [String] {
        var names = Set(ThemeStore.builtInNames)
        if let dir = userDirectory, let files = try? FileManager.default.contentsOfDirectory(atPath: dir) {
            for f in files where f.hasSuffix(".toml") { names.insert(String(f.dropLast(5))) }
        }
        return names.sorted()
    }

    /// The user file path for a theme name, if that file exists.
    public func userFile(for name: String) -> String? {
        guard let dir = userDirectory, !name.contains("/") else { return nil }
        let path = dir + "/" + name + ".toml"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Loads a theme by name as written (no NO_COLOR or depth handling). Roles a file leaves out come
    /// from its `inherits` theme, else from "default".
    public func load(_ name: String) throws -> Theme {
        try load(name, chain: [])
    }

    private func load(_ name: String, chain: [String]) throws -> Theme {
        if chain.contains(name) {
            throw ConfigFileError(file: chain.last ?? name, key: "inherits", problem: .inheritanceCycle(name))
        }
        let file: String
        let text: String
        if let path = userFile(for: name) {
            file = path
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConfigFileError(file: path, key: nil, problem: .unreadable(error.localizedDescription))
            }
        } else if let builtIn = BundledThemes.files[name] {
            file = "built-in theme \(name)"
            text = builtIn
        } else {
            throw ConfigFileError(file: userDirectory.map { "\($0)/\(name).toml" } ?? name, key: nil, problem: .unknownTheme(name))
        }
        // Find the parent before parsing the palette so errors in the parent name the parent's file.
        let table = try parseTOML(text, file: file)
        var base: Theme?
        if let parent = table["inherits"]?.string {
            do { base = try load(parent, chain: chain + [name]) } catch let e as ConfigFileError where e.problem == .unknownTheme(parent) {
                throw ConfigFileError(file: file, key: "inherits", problem: .unknownTheme(parent))
            }
        } else if name != "default" || userFile(for: name) != nil {
            base = name == "default" ? try builtInDefault() : try load("default", chain: chain + [name])
        }
        var theme = try Theme.parse(toml: text, file: file, base: base)
        if table["name"] == nil { theme.name = name }
        return theme
    }

    private func builtInDefault() throws -> Theme {
        try Theme.parse(toml: BundledThemes.files["default"] ?? "", file: "built-in theme default", base: nil)
    }

    /// The theme to use on a terminal: "mono" when `NO_COLOR` is set or the terminal has no colours,
    /// otherwise `name`; colours downgraded to `depth`.
    public func resolve(_ name: String, depth: ColorDepth) throws -> Theme {
        let effective = (noColor || depth == .mono) ? "mono" : name
        return try load(effective).downgraded(to: noColor ? .mono : depth)
    }
}
