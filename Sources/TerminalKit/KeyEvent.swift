import Foundation

/// A key press (or a terminal event delivered through the key stream, like a resize).
///
/// Letters with Ctrl are `.char` with `.control` and a lowercase letter. Uppercase letters are plain
/// `.char("G")` (no `.shift`). Shift+Tab is `.backTab`.
public struct KeyEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Key: Hashable, Sendable {
        case char(Character)
        case enter, escape, backspace, tab, backTab
        case up, down, left, right, home, end, pageUp, pageDown, insert, delete
        case function(Int)
        /// The terminal changed size; read the backend's `size`.
        case resize
        /// A mouse button press at a cell (button 1 = left, 4/5 = wheel up/down).
        case mouse(button: Int, at: Point)
    }

    public struct Modifiers: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let control = Modifiers(rawValue: 1)
        public static let alt = Modifiers(rawValue: 2)
        public static let shift = Modifiers(rawValue: 4)
    }

    public var key: Key
    public var modifiers: Modifiers

    public init(_ key: Key, modifiers: Modifiers = []) {
        if case .char(let c) = key, modifiers.contains(.control) {
            self.key = .char(Character(c.lowercased()))
        } else {
            self.key = key
        }
        self.modifiers = modifiers
    }

    public static func char(_ c: Character) -> KeyEvent { KeyEvent(.char(c)) }
    public static func ctrl(_ c: Character) -> KeyEvent { KeyEvent(.char(c), modifiers: .control) }
    public static func alt(_ c: Character) -> KeyEvent { KeyEvent(.char(c), modifiers: .alt) }
    public static let enter = KeyEvent(.enter), escape = KeyEvent(.escape), backspace = KeyEvent(.backspace)
    public static let tab = KeyEvent(.tab), backTab = KeyEvent(.backTab), resize = KeyEvent(.resize)
    public static let up = KeyEvent(.up), down = KeyEvent(.down), left = KeyEvent(.left), right = KeyEvent(.right)
    public static let home = KeyEvent(.home), end = KeyEvent(.end), delete = KeyEvent(.delete)
    public static let pageUp = KeyEvent(.pageUp), pageDown = KeyEvent(.pageDown), insert = KeyEvent(.insert)

    /// The printable character this key types into a text field, if any (no Ctrl/Alt).
    public var typedCharacter: Character? {
        guard case .char(let c) = key, modifiers.isDisjoint(with: [.control, .alt]) else { return nil }
        return c
    }

    static let names: [(String, Key)] = [
        ("enter", .enter), ("esc", .escape), ("backspace", .backspace), ("tab", .tab), ("backtab", .backTab),
        ("up", .up), ("down", .down), ("left", .left), ("right", .right), ("home", .home), ("end", .end),
        ("pgup", .pageUp), ("pgdn", .pageDown), ("ins", .insert), ("del", .delete), ("resize", .resize),
        ("space", .char(" ")),
    ]
    static let aliases: [String: Key] = [
        "return": .enter, "ret": .enter, "cr": .enter, "escape": .escape, "bs": .backspace, "bksp": .backspace,
        "pageup": .pageUp, "page-up": .pageUp, "pagedown": .pageDown, "page-down": .pageDown,
        "pgdown": .pageDown, "insert": .insert, "delete": .delete, "btab": .backTab,
        "plus": .char("+"), "minus": .char("-"),
    ]

    /// Parses a key name as written in keymaps: `"q"`, `"G"`, `"ctrl+x"`, `"alt+f"`, `"shift+tab"`,
    /// `"enter"`, `"esc"`, `"pgdn"`, `"f5"`, `"space"`, `"+"`. Modifiers: ctrl/c/control, alt/a/meta/m,
    /// shift/s, joined with `+` or `-` (`"c-x"`). Names are case-insensitive except single characters.
    /// Returns nil for anything unrecognised.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var mods: Modifiers = []
        // Peel "mod+" / "mod-" prefixes; a trailing "+" or "-" is the key itself.
        while rest.count > 1, let sep = rest.dropFirst().firstIndex(where: { $0 == "+" || $0 == "-" }) {
            let mod: Modifiers
            switch rest[rest.startIndex ..< sep].lowercased() {
            case "ctrl", "c", "control": mod = .control
            case "alt", "a", "meta", "m", "opt", "option": mod = .alt
            case "shift", "s": mod = .shift
            default: mod = []
            }
            if mod.isEmpty { break }
            let after = rest.index(after: sep)
            guard after < rest.endIndex else { return nil }  // "ctrl+" with no key
            mods.insert(mod)
            rest = rest[after...]
        }
        let name = String(rest)
        let lower = name.lowercased()
        var key: Key
        if name.count == 1, let c = name.first {
            key = .char(c)
        } else if let k = KeyEvent.names.first(where: { $0.0 == lower })?.1 ?? KeyEvent.aliases[lower] {
            key = k
        } else if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...24).contains(n) {
            key = .function(n)
        } else {
            return nil
        }
        if mods.contains(.shift) {
            switch key {
            case .tab: key = .backTab; mods.remove(.shift)
            case .char(let c) where c.isLetter:
                key = .char(Character(c.uppercased())); mods.remove(.shift)
            default: break
            }
        }
        if case .char(let c) = key, mods.contains(.control), !c.isASCII { return nil }
        self.init(key, modifiers: mods)
    }

    /// The canonical name, which `init(parsing:)` reads back: `"ctrl+x"`, `"shift+tab"`, `"pgdn"`, `"G"`.
    public var description: String {
        var parts: [String] = []
        if modifiers.contains(.control) { parts.append("ctrl") }
        if modifiers.contains(.alt) { parts.append("alt") }
        if modifiers.contains(.shift) { parts.append("shift") }
        let base: String
        switch key {
        case .char(" "): base = "space"
        case .char(let c): base = String(c)
        case .backTab where modifiers.isEmpty: return "shift+tab"
        case .function(let n): base = "f\(n)"
        case .mouse(let button, let at): base = "mouse\(button)@\(at.column),\(at.row)"
        default: base = KeyEvent.names.first(where: { $0.1 == key })?.0 ?? "?"
        }
        parts.append(base)
        return parts.joined(separator: "+")
    }
}
