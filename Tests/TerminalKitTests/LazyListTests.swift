import Testing
@testable import TerminalKit

@Suite struct LazyListTests {
    /// Rows with a badge, a Cyrillic or CJK name and two right-hand columns.
    static func row(_ i: Int) -> ListRow {
        let names = ["crm.lead.list", "Сделка №\(i)", "日本語の会社", "user.current"]
        return ListRow([Span(i % 3 == 0 ? "write" : "read ", i % 3 == 0 ? .riskWrite : .riskRead), Span(" "), Span(names[i % 4])],
                       columns: [i % 2 == 0 ? "crm" : "user", "v2"])
    }

    @Test func drawingAsksOnlyForTheVisibleRows() {
        let asked = Box()
        var screen = Screen(size: Size(width: 60, height: 12))
        let columns = ListColumns(measuring: (0 ..< 200).map(Self.row))  // measured once, by the owner
        let list = LazyList(title: "Rows", count: 100_000, columns: columns, scroll: ScrollState(selected: 50_000), focused: true) { i in
            asked.indices.append(i)
            return Self.row(i)
        }
        list.render(into: &screen, rect: screen.bounds, theme: .plain)
        #expect(asked.indices.count == 10)  // 12 rows minus the box
        #expect(asked.indices.contains(50_000))
        #expect(screen.text(row: 0).contains("Rows 50001/100000"))
    }

    @Test func stylesGolden() throws {
        let theme = try ThemeStore(userDirectory: nil).load("default")
        var screen = Screen(size: Size(width: 40, height: 8))
        LazyList(title: "Методы", rows: (0 ..< 9).map(Self.row), scroll: ScrollState(selected: 2), focused: true)
            .render(into: &screen, rect: screen.bounds, theme: theme)
        expectGolden(screen, "lazy-list-styles-40x8", styles: true)
        // The cursor row is in the selection style; a write badge in its risk role.
        let selected = try #require(screen.find("日本語の会社"))
        #expect(screen.style(at: selected) == theme[.selection])
        let write = try #require(screen.find("write"))
        #expect(screen.style(at: write) == theme[.riskWrite])
    }

    @Test func narrowListsDropTheEarlierColumnBeforeTheLast() {
        let columns = ListColumns(textWidth: 20, natural: [10, 2])
        #expect(columns.widths(for: 40) == [10, 2])
        #expect(columns.widths(for: 30) == [4, 2])   // the scope column shrinks to make room
        #expect(columns.widths(for: 25) == [0, 2])   // then drops; the last column stays
        #expect(columns.widths(for: 3) == [0, 0])    // nothing fits
    }
}

final class Box: @unchecked Sendable { var indices: [Int] = [] }
