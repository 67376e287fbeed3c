import Testing
@testable import TerminalKit

@Suite struct ScreenTests {
    @Test func putCutsAtTheClipByDisplayWidth() {
        var s = Screen(width: 10, height: 2)
        let end = s.put("Сделка №42 и ещё", at: Point(column: 2, row: 0))
        #expect(end == 10)
        #expect(s.text(row: 0) == "  Сделка №")
        s.put("abcdef", at: Point(column: 0, row: 1), clip: Rect(column: 0, row: 1, width: 3, height: 1))
        #expect(s.text(row: 1) == "abc")
    }

    @Test func wideCharacterThatDoesNotFitBecomesSpace() {
        var s = Screen(width: 5, height: 1)
        s.put("a你好", at: .zero)
        // "a" + 你 (2) = 3 columns, 好 would need columns 3-4: fits exactly.
        #expect(s.text(row: 0) == "a你好")
        var t = Screen(width: 4, height: 1)
        t.put("a你好", at: .zero, style: Style(fg: .red))
        #expect(t.text(row: 0) == "a你")
        #expect(t[3, 0]?.character == " ")
        #expect(t[3, 0]?.style == Style(fg: .red))
        #expect(t[2, 0]?.isContinuation == true)
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        var s = Screen(width: 6, height: 1)
        s.put("日本語", at: .zero)
        s.put("x", at: Point(column: 1, row: 0))  // right half of 日
        #expect(s.text(row: 0) == " x本語")
        s.put("y", at: Point(column: 2, row: 0))  // left half of 本
        #expect(s.text(row: 0) == " xy 語")
        #expect(s.cells.filter(\.isContinuation).count == 1)
    }

    @Test func textOutsideTheScreenIsIgnored() {
        var s = Screen(width: 3, height: 1)
        s.put("abc", at: Point(column: -2, row: 0))
        #expect(s.text(row: 0) == "c")
        s.put("zzz", at: Point(column: 0, row: 5))
        s.put("zzz", at: Point(column: 9, row: 0))
        #expect(s.lines == ["c"])
        var tiny = Screen(width: 1, height: 1)
        tiny.put("你", at: .zero)
        #expect(tiny.text(row: 0) == "")
        #expect(tiny.cells.count == 1)
    }

    @Test func boxDrawsBordersAndTitleAndReturnsInner() {
        var s = Screen(width: 12, height: 4)
        let inner = s.box(s.bounds, title: "Лиды")
        #expect(inner == Rect(column: 1, row: 1, width: 10, height: 2))
        #expect(s.lines == ["┌ Лиды ────┐", "│          │", "│          │", "└──────────┘"])
    }

    @Test func styleLookupAndFind() {
        var s = Screen(width: 20, height: 2)
        s.put("ok 你好 error", at: Point(column: 0, row: 1), style: Style(fg: .green))
        #expect(s.find("error") == Point(column: 8, row: 1))
        #expect(s.style(at: Point(column: 0, row: 1)) == Style(fg: .green))
        #expect(s.style(at: Point(column: 0, row: 0)) == .plain)
        #expect(s.style(at: Point(column: 40, row: 0)) == nil)
    }
}

@Suite struct DiffTests {
    @Test func unchangedScreensGiveNoRuns() {
        var a = Screen(width: 20, height: 5)
        a.put("Лиды 你好", at: Point(column: 1, row: 1))
        let diff = ScreenDiff.between(a, a)
        #expect(diff.runs.isEmpty)
        #expect(diff.isEmpty)
    }

    @Test func oneChangedCellGivesOneRunOfOneCell() {
        var a = Screen(width: 20, height: 5)
        a.put("hello", at: .zero)
        var b = a
        b.put("j", at: Point(column: 0, row: 0))
        let diff = ScreenDiff.between(a, b)
        #expect(diff.runs == [ScreenDiff.Run(row: 0, column: 0, cells: [Cell("j")])])
        #expect(!diff.isFullRedraw)
    }

    @Test func styleOnlyChangeIsARun() {
        var a = Screen(width: 10, height: 1)
        a.put("abc", at: .zero)
        var b = a
        b.restyle(Rect(column: 1, row: 0, width: 1, height: 1)) { $0.reversed }
        let diff = ScreenDiff.between(a, b)
        #expect(diff.runs.count == 1)
        #expect(diff.runs[0].column == 1)
        #expect(diff.cellCount == 1)
    }

    @Test func wideCharacterChangeIncludesBothHalves() {
        var a = Screen(width: 10, height: 1)
        a.put("ab", at: .zero)
        var b = Screen(width: 10, height: 1)
        b.put("你", at: .zero)
        let diff = ScreenDiff.between(a, b)
        #expect(diff.runs.count == 1)
        #expect(diff.runs[0].cells.count == 2)
        #expect(diff.runs[0].text == "你")
    }

    @Test func resizeIsAFullRedraw() {
        let a = Screen(width: 10, height: 3)
        let b = Screen(width: 12, height: 3)
        let diff = ScreenDiff.between(a, b)
        #expect(diff.isFullRedraw)
        #expect(diff.runs.count == 3)
        #expect(diff.cellCount == 36)
        #expect(ScreenDiff.between(nil, a).isFullRedraw)
    }

    @Test func separateChangesInARowAreSeparateRuns() {
        let a = Screen(width: 10, height: 1)
        var b = a
        b.put("x", at: Point(column: 1, row: 0))
        b.put("y", at: Point(column: 7, row: 0))
        let runs = ScreenDiff.between(a, b).runs
        #expect(runs.map(\.column) == [1, 7])
    }

    @Test func renderingA200x60TableScreenIsCheap() {
        let rows = (0 ..< 500).map { ["\($0)", "Сделка №\($0)", "你好世界", "200"] }
        let table = TableView(columns: [TableColumn("ID", width: .fixed(6)), TableColumn("Name"), TableColumn("Title"),
                                        TableColumn("HTTP", width: .fixed(6))], rows: rows)
        let clock = ContinuousClock()
        var previous: Screen?
        let elapsed = clock.measure {
            for i in 0 ..< 20 {
                var s = Screen(width: 200, height: 60)
                table.render(into: &s, rect: s.bounds, state: ScrollState(selected: i), theme: .plain)
                _ = ScreenDiff.between(previous, s)
                previous = s
            }
        }
        // Generous bound for a debug build on a shared 2-core machine; the point is no pathology.
        #expect(elapsed < .seconds(10))
    }
}
