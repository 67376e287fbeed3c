/// A single line of editable text with a cursor, as a value. Works on grapheme clusters, so Cyrillic,
/// CJK and combining sequences move and delete as one unit.
public struct EditableText: Equatable, Sendable, Hashable {
    public private(set) var characters: [Character]
    /// Cursor position in graphemes: 0 = before the first, `count` = after the last.
    public private(set) var cursor: Int

    public init(_ text: String = "", cursor: Int? = nil) {
        characters = Array(text)
        self.cursor = min(max(0, cursor ?? characters.count), characters.count)
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }
    /// Display columns before the cursor (where the terminal cursor goes).
    public var cursorColumn: Int { characters[0 ..< cursor].reduce(0) { $0 + UnicodeWidth.width(of: $1) } }

    /// Inserts at the cursor; newlines and other controls are dropped.
    public mutating func insert(_ text: String) {
        let clean = text.filter { UnicodeWidth.width(of: $0) > 0 || $0 == " " }
        characters.insert(contentsOf: clean, at: cursor)
        cursor += clean.count
    }

    public mutating func insert(_ character: Character) { insert(String(character)) }

    /// Deletes the grapheme before the cursor (Backspace).
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    /// Deletes the grapheme after the cursor (Delete).
    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Deletes back to the start of the previous word (Ctrl+W).
    public mutating func deleteWordBackward() {
        var start = cursor
        while start > 0 && characters[start - 1] == " " { start -= 1 }
        while start > 0 && characters[start - 1] != " " { start -= 1 }
        characters.removeSubrange(start ..< cursor)
        cursor = start
    }

    /// Deletes from the cursor to the end (Ctrl+K).
    public mutating func deleteToEnd() { characters.removeSubrange(cursor...) }

    /// Deletes from the start to the cursor (Ctrl+U).
    public mutating func deleteToStart() {
        characters.removeSubrange(..<cursor)
        cursor = 0
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    public mutating func moveWordLeft() {
        while cursor > 0 && characters[cursor - 1] == " " { cursor -= 1 }
        while cursor > 0 && characters[cursor - 1] != " " { cursor -= 1 }
    }

    public mutating func moveWordRight() {
        while cursor < characters.count && characters[cursor] == " " { cursor += 1 }
        while cursor < characters.count && characters[cursor] != " " { cursor += 1 }
    }

    /// Replaces the whole text, cursor at the end.
    public mutating func set(_ text: String) { self = EditableText(text) }

    /// Applies a key with the usual line-editing meaning (arrows, Home/End, Backspace/Delete, Ctrl+A/E/
    /// B/F/W/K/U, Alt+B/F, printable characters). Returns false when the key is not an editing key, so
    /// the caller can treat it as a command (Enter, Esc, Tab…).
    @discardableResult
    public mutating func handle(_ key: KeyEvent) -> Bool {
        if let c = key.typedCharacter { insert(c); return true }
        if key.modifiers == .control, case .char(let c) = key.key {
            switch c {
            case "a": moveHome()
            case "e": moveEnd()
            case "b": moveLeft()
            case "f": moveRight()
            case "w": deleteWordBackward()
            case "k": deleteToEnd()
            case "u": deleteToStart()
            case "h": deleteBackward()
            case "d": deleteForward()
            default: return false
            }
            return true
        }
        if key.modifiers == .alt, case .char(let c) = key.key {
            switch c {
            case "b": moveWordLeft()
            case "f": moveWordRight()
            default: return false
            }
            return true
        }
        guard key.modifiers.isEmpty || key.modifiers == .control else { return false }
        switch key.key {
        case .left: key.modifiers == .control ? moveWordLeft() : moveLeft()
        case .right: key.modifiers == .control ? moveWordRight() : moveRight()
        case .home: moveHome()
        case .end: moveEnd()
        case .backspace: deleteBackward()
        case .delete: deleteForward()
        default: return false
        }
        return true
    }
}
