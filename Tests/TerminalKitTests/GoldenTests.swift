import Testing
@testable import TerminalKit

/// A representative composition: banner, tabs, list, table with Cyrillic/CJK, text, form, status bar.
func renderDemo(size: Size, theme: Theme, selected: Int = 1) -> Screen {
    var s = Screen(size: size)
    s.fill(s.bounds, style: theme[.text])
    var (top, rest) = s.bounds.splitTop(1)
    Banner("PRODUCTION  portal.bitrix24.example").render(into: &s, rect: top, theme: theme)
    (top, rest) = rest.splitTop(1)
    Tabs(titles: ["Каталог", "История", "事件"], selected: 0).render(into: &s, rect: top, theme: theme)
    let (body, status) = rest.splitBottom(1)
    StatusBar(left: ["crm.deal.list", "Сделки"], right: ["200 OK", "12 ms"], theme: theme)
        .render(into: &s, rect: status, theme: theme)
    let (main, formRow) = body.splitBottom(1)
    FormField(label: "Поиск", value: EditableText("Сделка №42"), isFocused: true, labelWidth: 8)
        .render(into: &s, rect: formRow, theme: theme)
    let (left, right) = main.splitLeft(main.width / 3)
    let listInner = s.box(left, style: theme[.border], title: "Лиды", titleStyle: theme[.title])
    ListView(items: [ListItem("Лиды", detail: "42"), ListItem("Сделки", detail: "7"), "Контакты", "你好世界", "日本語の会社"])
        .render(into: &s, rect: listInner, state: ScrollState(selected: selected), theme: theme)
    let (tableBox, textBox) = right.splitTop(max(0, right.height * 2 / 3))
    let tableInner = s.box(tableBox, style: theme[.border], title: "crm.deal.list", titleStyle: theme[.title])
    TableView(columns: [TableColumn("ID", width: .fixed(5), alignment: .right), TableColumn("Название", width: .flex(min: 6, weight: 2)),
                        TableColumn("Компания"), TableColumn("HTTP", width: .fixed(6))],
              rows: [["1", "Сделка №42", "ООО Ромашка", "200"], ["2", "你好世界", "日本語", "404"],
                     ["3", "Лиды", "株式会社テスト", "500"], ["10", "Счёт", "ИП Иванов", "302"]])
        .render(into: &s, rect: tableInner, state: ScrollState(selected: selected), theme: theme)
    let textInner = s.box(textBox, style: theme[.border], title: "response")
    TextView(text: "{\n  \"result\": [ { \"TITLE\": \"Сделка №42\", \"COMPANY\": \"你好世界\" } ],\n  \"total\": 1\n}", wrap: true)
        .render(into: &s, rect: textInner, scroll: TextScroll(), theme: theme)
    return s
}

@Suite struct GoldenTests {
    @Test(arguments: [(80, 24), (120, 40), (20, 5), (1, 1)])
    func demoComposition(width: Int, height: Int) throws {
        let screen = renderDemo(size: Size(width: width, height: height), theme: .plain)
        #expect(screen.size == Size(width: width, height: height))
        expectGolden(screen, "demo-\(width)x\(height)")
    }

    @Test func tableColumnBordersLineUpWithCyrillicAndCJK() {
        let screen = renderDemo(size: Size(width: 120, height: 40), theme: .plain)
        // Every table row puts its separators at the same display columns.
        let rows = screen.lines.filter { $0.contains("Сделка №42 ") || $0.contains("你好世界 ") || $0.contains("株式会社") || $0.contains("Название") }
        #expect(rows.count >= 4)
        func separatorColumns(_ line: String) -> [Int] {
            var cols: [Int] = [], col = 0
            for ch in line {
                if ch == "│" { cols.append(col) }
                col += UnicodeWidth.width(of: ch)
            }
            return cols
        }
        let first = separatorColumns(rows[0])
        for row in rows { #expect(separatorColumns(row) == first, "\(row)") }
    }

    @Test func selectionUsesTheThemeSelectionStyle() throws {
        let theme = try ThemeStore(userDirectory: nil).load("default")
        let screen = renderDemo(size: Size(width: 80, height: 24), theme: theme, selected: 1)
        let p = try #require(screen.find("Сделки"))
        #expect(screen.style(at: p) == theme[.selection])
        // The whole list row is highlighted, up to the box border.
        #expect(screen.style(at: Point(column: p.column + 10, row: p.row)) == theme[.selection])
        let other = try #require(screen.find("Контакты"))
        #expect(screen.style(at: other) == theme[.text])
        let table = try #require(screen.find("404"))
        #expect(screen.style(at: table) == theme[.selection])
        let banner = try #require(screen.find("PRODUCTION"))
        #expect(screen.style(at: Point(column: 0, row: banner.row)) == theme[.banner])
    }

    @Test(arguments: [(20, 5), (1, 1), (39, 9)])
    func terminalTooSmall(width: Int, height: Int) throws {
        let screen = try #require(TerminalSizeGuard.screen(size: Size(width: width, height: height), minimum: Size(width: 40, height: 10), theme: .plain))
        expectGolden(screen, "too-small-\(width)x\(height)")
        #expect(TerminalSizeGuard.screen(size: Size(width: 40, height: 10), minimum: Size(width: 40, height: 10), theme: .plain) == nil)
    }

    @Test func modalIsCentredWithTitleBodyAndFooter() {
        var screen = renderDemo(size: Size(width: 80, height: 24), theme: .plain)
        Modal(title: "Подтвердите запись", body: ["crm.deal.delete удалит Сделка №42 без возврата. 你好世界"],
              footer: "enter confirm  esc cancel", size: Size(width: 44, height: 8))
            .render(into: &screen, area: screen.bounds, theme: .plain)
        expectGolden(screen, "modal-80x24")
    }

    @Test func listKeepsTheCursorVisibleWhenScrolling() {
        var screen = Screen(width: 20, height: 4)
        let items = (1 ... 50).map { "Сделка №\($0)" }
        var state = ScrollState()
        state.move(by: 10, count: items.count)
        ListView(strings: items).render(into: &screen, rect: screen.bounds, state: state, theme: .plain)
        #expect(screen.lines.last == " Сделка №11")
        state.ensureVisible(count: items.count, viewport: 4)
        #expect(state.offset == 7)
        state.page(1, count: items.count, viewport: 4)
        #expect(state.selected == 13)
        state.select(999, count: items.count)
        #expect(state.selected == 49)
        #expect(state.visibleOffset(count: items.count, viewport: 4) == 46)
    }

    @Test func textViewCutsOrWrapsAndPans() {
        var screen = Screen(width: 6, height: 3)
        TextView(lines: ["你好世界日本", "ab"]).render(into: &screen, rect: screen.bounds, scroll: TextScroll(column: 1), theme: .plain)
        #expect(screen.lines == [" 好世", "b", ""])
        screen = Screen(width: 6, height: 3)
        TextView(lines: ["你好世界日本", "ab"], wrap: true).render(into: &screen, rect: screen.bounds, scroll: TextScroll(), theme: .plain)
        #expect(screen.lines == ["你好世", "界日本", "ab"])
    }

    @Test func formFieldScrollsToKeepTheCursorVisible() {
        var screen = Screen(width: 12, height: 1)
        let cursor = FormField(label: "Имя", value: EditableText("你好世界日本語"), isFocused: true)
            .render(into: &screen, rect: screen.bounds, theme: .plain)
        #expect(screen.text(row: 0) == "Имя: 日本語")
        #expect(cursor == Point(column: 11, row: 0))
    }

    @Test func treeViewIndentsAndMarks() {
        var screen = Screen(width: 20, height: 3)
        TreeView(rows: [TreeRow(depth: 0, text: "crm", hasChildren: true, isExpanded: true),
                        TreeRow(depth: 1, text: "deal", hasChildren: true), TreeRow(depth: 1, text: "лид")])
            .render(into: &screen, rect: screen.bounds, state: ScrollState(selected: 2), theme: .plain)
        #expect(screen.lines == [" - crm", "   + deal", "     лид"])
    }
}
