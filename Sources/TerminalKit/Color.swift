import Foundation

/// How many colours a terminal can show. Ordered: `.mono < .ansi8 < .ansi16 < .indexed256 < .trueColor`.
public enum ColorDepth: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case mono = 1
    case ansi8 = 8
    case ansi16 = 16
    case indexed256 = 256
    case trueColor = 16_777_216

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// The depth for a terminal reporting `colors` (ncurses' `COLORS`): 0/1/2 → mono, <16 → 8, <256 → 16.
    public init(colorCount colors: Int) {
        switch colors {
        case ..<8: self = .mono
        case ..<16: self = .ansi8
        case ..<256: self = .ansi16
        case ..<16_777_216: self = .indexed256
        default: self = .trueColor
        }
    }

    public var description: String {
        switch self {
        case .mono: return "mono"
        case .ansi8: return "8"
        case .ansi16: return "16"
        case .indexed256: return "256"
        case .trueColor: return "truecolor"
        }
    }
}

/// A concrete terminal colour. `.default` is the terminal's own foreground/background (ncurses -1).
public enum Color: Hashable, Sendable {
    /// The terminal's default colour (transparent background).
    case `default`
    /// One of the 16 ANSI colours: 0–7 normal, 8–15 bright.
    case ansi(UInt8)
    /// An xterm 256-colour palette index.
    case indexed(UInt8)
    /// A 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)

    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)
    public static let brightBlack = Color.ansi(8), brightRed = Color.ansi(9), brightGreen = Color.ansi(10)
    public static let brightYellow = Color.ansi(11), brightBlue = Color.ansi(12), brightMagenta = Color.ansi(13)
    public static let brightCyan = Color.ansi(14), brightWhite = Color.ansi(15)

    /// Names accepted in theme files, index = ANSI number.
    public static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
                                   "bright-black", "bright-red", "bright-green", "bright-yellow",
                                   "bright-blue", "bright-magenta", "bright-cyan", "bright-white"]

    /// Parses a colour as written in theme files: a name ("red", "bright-blue", "grey" = bright-black,
    /// "default"), a 256-palette index ("208"), or "#rrggbb". Returns nil when unrecognised.
    public init?(parsing text: String) {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if s == "default" || s == "none" { self = .default; return }
        if s == "grey" || s == "gray" { self = .brightBlack; return }
        if let i = Color.ansiNames.firstIndex(of: s.replacingOccurrences(of: "_", with: "-")) {
            self = .ansi(UInt8(i)); return
        }
        if let n = Int(s), (0...255).contains(n) { self = .indexed(UInt8(n)); return }
        if s.hasPrefix("#"), s.count == 7, let v = UInt32(s.dropFirst(), radix: 16) {
            self = .rgb(UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)); return
        }
        return nil
    }

    /// The colour as a theme file would spell it.
    public var name: String {
        switch self {
        case .default: return "default"
        case .ansi(let n): return Int(n) < Color.ansiNames.count ? Color.ansiNames[Int(n)] : String(n)
        case .indexed(let n): return String(n)
        case .rgb(let r, let g, let b):
            return "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    /// The closest colour a terminal of `depth` can show. Mono turns every colour into `.default`;
    /// rgb → nearest 256-palette entry. Below 256 the hue is kept: a clearly saturated colour maps to an ANSI
    /// colour of the same hue family (never black, white or grey), a grey to black, bright-black, white or
    /// bright-white by lightness. At 8 colours bright colours fold onto normal ones and bright-black onto white
    /// (`ansi(8) % 8` would be black, invisible on a dark background).
    public func downgraded(to depth: ColorDepth) -> Color {
        switch (self, depth) {
        case (.default, _): return .default
        case (_, .mono): return .default
        case (_, .trueColor): return self
        case (.rgb(let r, let g, let b), .indexed256): return .indexed(Palette.nearest256(r, g, b))
        case (.rgb(let r, let g, let b), _):
            return Color.ansi(Palette.nearestANSI(r, g, b, bright: depth >= .ansi16)).downgraded(to: depth)
        case (.indexed(let n), _) where n < 16: return Color.ansi(n).downgraded(to: depth)
        case (.indexed, .indexed256): return self
        case (.indexed(let n), _):
            let (r, g, b) = Palette.rgb(ofIndex: n)
            return Color.ansi(Palette.nearestANSI(r, g, b, bright: depth >= .ansi16)).downgraded(to: depth)
        case (.ansi(8), .ansi8): return .white
        case (.ansi(let n), .ansi8): return .ansi(n % 8)
        case (.ansi, _): return self
        }
    }

    /// True for a grey (or black/white): ANSI 0, 7, 8, 15, or an rgb/256 colour without clear saturation.
    public var isGrey: Bool {
        switch self {
        case .default: return false
        case .ansi(let n): return [0, 7, 8, 15].contains(n)
        case .indexed(let n): return n < 16 ? Color.ansi(n).isGrey : !Palette.isChromatic(Palette.rgb(ofIndex: n))
        case .rgb(let r, let g, let b): return !Palette.isChromatic((r, g, b))
        }
    }

    /// WCAG contrast ratio (1…21) between two colours, using xterm's palette values; nil when either is
    /// `.default` (the terminal's own colour is unknown).
    public static func contrastRatio(_ a: Color, _ b: Color) -> Double? {
        func luminance(_ c: Color) -> Double? {
            let rgb: (UInt8, UInt8, UInt8)
            switch c {
            case .default: return nil
            case .ansi(let n), .indexed(let n): rgb = Palette.rgb(ofIndex: n)
            case .rgb(let r, let g, let b): rgb = (r, g, b)
            }
            func channel(_ v: UInt8) -> Double {
                let x = Double(v) / 255
                return x <= 0.03928 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
            }
            return 0.2126 * channel(rgb.0) + 0.7152 * channel(rgb.1) + 0.0722 * channel(rgb.2)
        }
        guard let la = luminance(a), let lb = luminance(b) else { return nil }
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    /// The xterm palette index for this colour (after downgrading to at least 256): -1 for `.default`.
    public var paletteIndex: Int {
        switch downgraded(to: .indexed256) {
        case .default: return -1
        case .ansi(let n), .indexed(let n): return Int(n)
        case .rgb: return -1
        }
    }
}

/// The xterm palette, used to map between colour depths.
enum Palette {
    /// xterm's default values for the 16 ANSI colours.
    static let ansi: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
        (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
        (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    static func rgb(ofIndex n: UInt8) -> (UInt8, UInt8, UInt8) {
        let i = Int(n)
        if i < 16 { return ansi[i] }
        if i >= 232 { let v = UInt8(8 + (i - 232) * 10); return (v, v, v) }
        let c = i - 16
        return (UInt8(cubeLevels[c / 36]), UInt8(cubeLevels[c / 6 % 6]), UInt8(cubeLevels[c % 6]))
    }

    static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.0) - Int(b.0), dg = Int(a.1) - Int(b.1), db = Int(a.2) - Int(b.2)
        return dr * dr * 3 + dg * dg * 4 + db * db * 2
    }

    /// Hue in degrees (0 red, 60 yellow, 120 green, 180 cyan, 240 blue, 300 magenta) and chroma (max − min).
    static func hueAndChroma(_ c: (UInt8, UInt8, UInt8)) -> (hue: Double, chroma: Int) {
        let r = Double(c.0), g = Double(c.1), b = Double(c.2)
        let hi = max(r, g, b), lo = min(r, g, b), chroma = hi - lo
        guard chroma > 0 else { return (0, 0) }
        var hue: Double
        if hi == r { hue = (g - b) / chroma } else if hi == g { hue = (b - r) / chroma + 2 } else { hue = (r - g) / chroma + 4 }
        hue *= 60
        if hue < 0 { hue += 360 }
        return (hue, Int(chroma))
    }

    /// Clear saturation: enough chroma both absolutely and relative to the brightest channel.
    static func isChromatic(_ c: (UInt8, UInt8, UInt8)) -> Bool {
        let (_, chroma) = hueAndChroma(c)
        let hi = Int(max(c.0, c.1, c.2))
        return chroma >= 40 && chroma * 10 >= hi * 3
    }

    /// The ANSI colour (0–15, or 0–7 when `bright` is false) that keeps the hue family of `r g b`.
    /// Saturated colours choose among the six hues (1–6, 9–14) by hue angle, then by distance between the
    /// normal and bright variant; greys choose among 0, 8, 7, 15 by distance.
    static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8, bright: Bool) -> UInt8 {
        let c = (r, g, b)
        var candidates: [Int]
        if isChromatic(c) {
            let hue = hueAndChroma(c).hue
            // Hue families in ANSI order: red 0°, green 120°, yellow 60°, blue 240°, magenta 300°, cyan 180°.
            let centres: [(Int, Double)] = [(1, 0), (2, 120), (3, 60), (4, 240), (5, 300), (6, 180)]
            func gap(_ centre: Double) -> Double { let d = abs(hue - centre); return min(d, 360 - d) }
            let nearest = centres.map { gap($0.1) }.min() ?? 0
            // A hue half-way between two families (e.g. sky blue at 210°) lets distance decide between both.
            candidates = centres.filter { gap($0.1) <= nearest + 1 }.map(\.0)
        } else {
            candidates = [0, 7]
        }
        if bright { candidates += candidates.map { $0 == 0 ? 8 : $0 == 7 ? 15 : $0 + 8 } }
        var best = candidates[0], bestDistance = Int.max
        for i in candidates {
            let d = distance(ansi[i], c)
            if d < bestDistance { best = i; bestDistance = d }
        }
        return UInt8(best)
    }

    /// Nearest entry among the 6×6×6 cube and the grey ramp (16–255); the first 16 vary per terminal.
    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        func level(_ v: UInt8) -> Int {
            var best = 0
            for (i, l) in cubeLevels.enumerated() where abs(l - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let cube = 16 + 36 * level(r) + 6 * level(g) + level(b)
        let avg = (Int(r) + Int(g) + Int(b)) / 3
        let grey = 232 + min(23, max(0, (avg - 3) / 10))
        let cubeD = distance(rgb(ofIndex: UInt8(cube)), (r, g, b))
        let greyD = distance(rgb(ofIndex: UInt8(grey)), (r, g, b))
        return UInt8(greyD < cubeD ? grey : cube)
    }
}
