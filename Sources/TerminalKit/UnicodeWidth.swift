/// Display widths of Unicode text in terminal columns, computed in Swift (libc `wcwidth` returns -1 under
/// non-UTF-8 locales). Zero: combining/enclosing marks, format characters (ZWJ, ZWNJ), variation
/// selectors, Hangul medial/final jamo, controls. Two: East Asian Wide/Fullwidth (CJK, Hangul syllables,
/// kana, fullwidth forms) and emoji with emoji presentation. Everything else, Cyrillic included: one.
public enum UnicodeWidth {
    /// East Asian Wide/Fullwidth blocks outside the emoji ranges, sorted, inclusive.
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF,
        0x1B000...0x1B2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// Width of one scalar: 0, 1 or 2.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v >= 0x20 ? 1 : 0 }
        if v < 0xA0 { return 0 }  // DEL and C1 controls
        if v < 0x300 { return v == 0xAD ? 0 : 1 }
        if v >= 0x400 && v <= 0x482 { return 1 }  // Cyrillic fast path
        if v >= 0x1160 && v <= 0x11FF { return 0 }  // conjoining Hangul vowels/finals
        let props = scalar.properties
        switch props.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        if v >= 0x1100 {
            if isWide(v) { return 2 }
            if props.isEmojiPresentation { return 2 }
        }
        return 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        var lo = 0, hi = wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = wideRanges[mid]
            if v < r.lowerBound { hi = mid - 1 } else if v > r.upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// Width of one grapheme cluster: the width of its first non-zero-width scalar (so a ZWJ emoji
    /// sequence counts as its first emoji), 2 for a text-default emoji followed by VS16 (U+FE0F).
    public static func width(of character: Character) -> Int {
        if let ascii = character.asciiValue { return ascii >= 0x20 && ascii < 0x7F ? 1 : 0 }
        var base = 0
        var sawVS16 = false
        for scalar in character.unicodeScalars {
            if scalar.value == 0xFE0F { sawVS16 = true; continue }
            if base == 0 { base = width(of: scalar) }
        }
        if sawVS16 && base == 1 { return 2 }
        return min(base, 2)
    }
}

/// Display width of `text` in terminal columns.
public func displayWidth(_ text: String) -> Int {
    var total = 0
    for ch in text { total += UnicodeWidth.width(of: ch) }
    return total
}

/// Display width of `text` in terminal columns.
public func displayWidth<S: StringProtocol>(_ text: S) -> Int {
    var total = 0
    for ch in text { total += UnicodeWidth.width(of: ch) }
    return total
}

/// Cuts `text` so its display width is at most `width`, ending with `ellipsis` when something was cut.
/// Never splits a grapheme and never exceeds `width` (a wide character that would straddle is dropped).
public func truncate(_ text: String, toWidth width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    if displayWidth(text) <= width { return text }
    let ellipsisWidth = displayWidth(ellipsis)
    let budget = ellipsisWidth <= width ? width - ellipsisWidth : width
    var result = ""
    var used = 0
    for ch in text {
        let w = UnicodeWidth.width(of: ch)
        if used + w > budget { break }
        result.append(ch)
        used += w
    }
    return ellipsisWidth <= width ? result + ellipsis : result
}

/// Text alignment inside a fixed width.
public enum Alignment: Sendable, Hashable {
    case left, center, right
}

/// Truncates (with ellipsis) or pads `text` with spaces to exactly `width` display columns.
public func pad(_ text: String, toWidth width: Int, alignment: Alignment = .left, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    let cut = truncate(text, toWidth: width, ellipsis: ellipsis)
    let gap = width - displayWidth(cut)
    guard gap > 0 else { return cut }
    switch alignment {
    case .left: return cut + String(repeating: " ", count: gap)
    case .right: return String(repeating: " ", count: gap) + cut
    case .center:
        let left = gap / 2
        return String(repeating: " ", count: left) + cut + String(repeating: " ", count: gap - left)
    }
}

/// Breaks `text` into lines no wider than `width`: at spaces where possible, inside long words when not.
/// Existing newlines are kept; tabs become single spaces.
public func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        var lineWidth = 0
        var word = ""
        var wordWidth = 0
        func flushWord() {
            if lineWidth > 0 && lineWidth + 1 + wordWidth <= width {
                line += " " + word; lineWidth += 1 + wordWidth
            } else {
                if lineWidth > 0 || !line.isEmpty { lines.append(line) }
                line = ""; lineWidth = 0
                // Hard-break words longer than the line.
                for ch in word {
                    let w = UnicodeWidth.width(of: ch)
                    if lineWidth + w > width { lines.append(line); line = ""; lineWidth = 0 }
                    line.append(ch); lineWidth += w
                }
            }
            word = ""; wordWidth = 0
        }
        for ch in paragraph {
            if ch == " " || ch == "\t" {
                if !word.isEmpty { flushWord() }
                continue
            }
            word.append(ch); wordWidth += UnicodeWidth.width(of: ch)
        }
        if !word.isEmpty { flushWord() }
        lines.append(line)
    }
    return lines
}
