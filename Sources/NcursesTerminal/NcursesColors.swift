import CNcursesw
import TerminalKit

/// Maps (foreground, background) colour numbers to ncurses colour pairs, allocating on first use.
/// Pairs go through `init_extended_pair`, so numbers above 255 work; when the terminal's
/// `COLOR_PAIRS` run out, further combinations fall back to pair 0 (terminal default colours).
struct ColorPairs {
    private var pairs: [Int64: Int32] = [:]
    private var next: Int32 = 1
    let depth: ColorDepth
    let maxPairs: Int32

    init(depth: ColorDepth, maxPairs: Int32) {
        self.depth = depth
        self.maxPairs = maxPairs
    }

    /// The ncurses colour number for a colour at this depth; -1 = terminal default.
    func number(_ color: Color) -> Int32 {
        let c = color.downgraded(to: depth)
        switch c {
        case .default: return -1
        case .ansi(let n), .indexed(let n): return Int32(n)
        case .rgb(let r, let g, let b):
            // Direct-colour terminfo (COLORS = 2^24): numbers are 0xRRGGBB; below 8 means ANSI.
            let v = Int32(r) << 16 | Int32(g) << 8 | Int32(b)
            return v < 8 ? 8 : v
        }
    }

    mutating func pair(for style: Style) -> Int32 {
        guard depth != .mono else { return 0 }
        let fg = number(style.foreground), bg = number(style.background)
        if fg == -1 && bg == -1 { return 0 }
        let key = Int64(fg) << 32 | Int64(UInt32(bitPattern: bg))
        if let p = pairs[key] { return p }
        guard next < maxPairs else { return 0 }
        let p = next
        guard init_extended_pair(p, fg, bg) != ERR else { return 0 }
        next += 1
        pairs[key] = p
        return p
    }

    /// Attributes for a style (colours handled by the pair).
    static func attributes(_ style: Style) -> attr_t {
        var a = b24_a_normal()
        let t = style.attributes
        if t.contains(.bold) { a |= b24_a_bold() }
        if t.contains(.underline) { a |= b24_a_underline() }
        if t.contains(.reverse) { a |= b24_a_reverse() }
        if t.contains(.dim) { a |= b24_a_dim() }
        if t.contains(.italic) { a |= b24_a_italic() }
        return a
    }
}
