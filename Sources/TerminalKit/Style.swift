/// Text attributes that combine with colours.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1)
    public static let underline = TextAttributes(rawValue: 2)
    public static let reverse = TextAttributes(rawValue: 4)
    public static let dim = TextAttributes(rawValue: 8)
    public static let italic = TextAttributes(rawValue: 16)

    /// Names used in theme files, paired with the attribute.
    public static let named: [(String, TextAttributes)] = [
        ("bold", .bold), ("underline", .underline), ("reverse", .reverse), ("dim", .dim), ("italic", .italic),
    ]
}

/// How a cell looks: concrete foreground/background colours plus attributes.
/// Semantic colours ("error", "selection") live in `Theme`, which resolves a role to a `Style`.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var attributes: TextAttributes

    public init(fg: Color = .default, bg: Color = .default, _ attributes: TextAttributes = []) {
        self.foreground = fg
        self.background = bg
        self.attributes = attributes
    }

    /// Terminal defaults, no attributes.
    public static let plain = Style()

    public func with(fg: Color) -> Style { var s = self; s.foreground = fg; return s }
    public func with(bg: Color) -> Style { var s = self; s.background = bg; return s }
    public func adding(_ a: TextAttributes) -> Style { var s = self; s.attributes.formUnion(a); return s }
    public var bold: Style { adding(.bold) }
    public var reversed: Style { adding(.reverse) }

    /// The style with colours downgraded to what `depth` can show.
    /// A dark or mid grey foreground on the default background never becomes black (invisible on dark
    /// terminals): at 16 colours it is bright-black, at 8 the default colour dimmed, so muted text stays muted.
    public func downgraded(to depth: ColorDepth) -> Style {
        var s = Style(fg: foreground.downgraded(to: depth), bg: background.downgraded(to: depth), attributes)
        guard depth == .ansi8 || depth == .ansi16, background == .default, foreground.isGrey,
              foreground != .black else { return s }
        let at16 = foreground.downgraded(to: .ansi16)
        guard at16 == .black || at16 == .brightBlack else { return s }
        if depth == .ansi16 {
            s.foreground = .brightBlack
        } else {
            s.foreground = .default
            s.attributes.insert(.dim)
        }
        return s
    }
}

/// One screen cell: a grapheme (one `Character`) and its style. A wide grapheme occupies its cell and
/// the next one; the next one is a *continuation* cell that backends skip.
public struct Cell: Hashable, Sendable {
    /// The grapheme shown in this cell; a space for blank and continuation cells.
    public var character: Character
    public var style: Style
    /// True for the right half of a wide (2-column) character.
    public internal(set) var isContinuation: Bool

    public init(_ character: Character = " ", style: Style = .plain) {
        self.character = character
        self.style = style
        self.isContinuation = false
    }

    static func continuation(_ style: Style) -> Cell {
        var c = Cell(" ", style: style)
        c.isContinuation = true
        return c
    }

    /// Display columns taken by this cell's character (0 for continuation cells).
    public var width: Int { isContinuation ? 0 : max(1, UnicodeWidth.width(of: character)) }
}
