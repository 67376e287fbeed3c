import Testing
@testable import TerminalKit

@Suite struct WidthTests {
    @Test func asciiAndCyrillicAreOneColumnEach() {
        #expect(displayWidth("Leads") == 5)
        #expect(displayWidth("Лиды") == 4)
        #expect(displayWidth("Сделка №42") == 10)
    }

    @Test func cjkHangulAndFullwidthAreTwoColumns() {
        #expect(displayWidth("你好世界") == 8)
        #expect(displayWidth("日本語") == 6)
        #expect(displayWidth("한국어") == 6)
        #expect(displayWidth("ＡＢＣ") == 6)  // fullwidth Latin
        #expect(displayWidth("ｱｲｳ") == 3)  // halfwidth katakana stay narrow
        #expect(displayWidth("。") == 2)
    }

    @Test func combiningMarksAndFormatCharactersTakeNoColumn() {
        #expect(displayWidth("e\u{301}") == 1)  // é decomposed
        #expect(displayWidth("и\u{306}") == 1)  // й decomposed
        #expect(UnicodeWidth.width(of: Unicode.Scalar(0x200D)!) == 0)  // ZWJ
        #expect(UnicodeWidth.width(of: Unicode.Scalar(0xFE0F)!) == 0)  // VS16 on its own
        #expect(UnicodeWidth.width(of: Unicode.Scalar(0x0301)!) == 0)
        #expect(displayWidth("a\u{200B}b") == 2)  // zero-width space
        #expect(displayWidth("\t\u{7}") == 0)  // controls
    }

    @Test func emojiSequencesCountAsOneWideCharacter() {
        #expect(displayWidth("👍") == 2)
        #expect(displayWidth("👨\u{200D}👩\u{200D}👧") == 2)  // ZWJ family: one grapheme
        #expect(displayWidth("❤\u{FE0F}") == 2)  // text-default + VS16
        #expect(displayWidth("🇷🇺") == 2)
    }

    @Test func truncateNeverExceedsWidthAndAddsEllipsis() {
        #expect(truncate("Сделка №42", toWidth: 6) == "Сделк…")
        #expect(truncate("你好世界", toWidth: 5) == "你好…")
        #expect(truncate("你好世界", toWidth: 4) == "你…")
        #expect(truncate("short", toWidth: 10) == "short")
        #expect(truncate("abc", toWidth: 0) == "")
        #expect(truncate("abcdef", toWidth: 1) == "…")
        let samples = ["Сделка №42 для компании", "你好世界日本語", "a你b好c", "e\u{301}e\u{301}e\u{301}e\u{301}", "👨\u{200D}👩\u{200D}👧xyz"]
        for s in samples {
            for w in 0 ... 12 { #expect(displayWidth(truncate(s, toWidth: w)) <= w, "\(s) at \(w)") }
        }
    }

    @Test func padAlignsByDisplayWidth() {
        #expect(pad("日本", toWidth: 6) == "日本  ")
        #expect(pad("日本", toWidth: 6, alignment: .right) == "  日本")
        #expect(pad("ab", toWidth: 6, alignment: .center) == "  ab  ")
        #expect(displayWidth(pad("你好世界", toWidth: 5)) == 5)
    }

    @Test func wrapBreaksAtSpacesAndInsideLongWords() {
        #expect(wrap("terminal too small", width: 10) == ["terminal", "too small"])
        #expect(wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(wrap("你好世界", width: 5) == ["你好", "世界"])
        #expect(wrap("a\nb", width: 5) == ["a", "b"])
    }
}
