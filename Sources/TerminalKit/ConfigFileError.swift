/// A problem in a theme or keymap file, naming the file and the dotted key, e.g.
/// `themes/foo.toml: key "palette.error": unknown colour "reddish"`.
public struct ConfigFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// The file is not valid TOML.
        case syntax(line: Int, column: Int, message: String)
        /// The file could not be read.
        case unreadable(String)
        /// A key that the format does not know (typo?).
        case unknownKey
        /// The value has the wrong TOML type.
        case wrongType(expected: String)
        case unknownColour(String)
        case unknownAttribute(String)
        case unknownAction(String)
        case badKeyName(String)
        /// `inherits` or a theme name that no file or built-in provides.
        case unknownTheme(String)
        /// Themes inherit from each other in a loop.
        case inheritanceCycle(String)
    }

    /// The file as the user would recognise it (a path or "built-in NAME").
    public var file: String
    /// The dotted key ("palette.error", "keys.quit"), nil for whole-file problems.
    public var key: String?
    public var problem: Problem

    public init(file: String, key: String?, problem: Problem) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        var s = file + ": "
        if let key { s += "key \"\(key)\": " }
        switch problem {
        case .syntax(let line, let column, let message): s += "line \(line), column \(column): \(message)"
        case .unreadable(let why): s += "cannot read: \(why)"
        case .unknownKey: s += "unknown key"
        case .wrongType(let expected): s += "expected \(expected)"
        case .unknownColour(let v):
            s += "unknown colour \"\(v)\" (use a name like \"red\" or \"bright-blue\", \"default\", 0-255, or \"#rrggbb\")"
        case .unknownAttribute(let v): s += "unknown attribute \"\(v)\" (bold, underline, reverse, dim, italic)"
        case .unknownAction(let v): s += "unknown action \"\(v)\""
        case .badKeyName(let v): s += "bad key name \"\(v)\" (examples: \"q\", \"ctrl+x\", \"shift+tab\", \"pgdn\", \"f5\")"
        case .unknownTheme(let v): s += "unknown theme \"\(v)\""
        case .inheritanceCycle(let v): s += "themes inherit in a loop at \"\(v)\""
        }
        return s
    }
}
