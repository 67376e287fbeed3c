@testable import B24Console
@testable import B24Client
import B24Wire
import Foundation
import TerminalKit
import Testing

@Suite("The inspector's tools: search, path filter, raw view of big answers, fetch all pages")
struct InspectorToolsTests {
    /// Four leads, Cyrillic titles, a phone each (PHONE is folded at depth 2), a next page.
    static let leads: JSONValue = [
        "result": [
            ["ID": "196", "TITLE": "Заявка: Андрей Новиков", "PHONE": [["VALUE": "+7 900 000-00-01", "VALUE_TYPE": "WORK"]]],
            ["ID": "197", "TITLE": "Request: Mateo Taylor", "PHONE": [["VALUE": "+1 555 0100", "VALUE_TYPE": "MOBILE"]]],
            ["ID": "198", "TITLE": "Звонок: Мария Новикова", "PHONE": [["VALUE": "+7 900 555-12-12", "VALUE_TYPE": "HOME"]]],
            ["ID": "199", "TITLE": "Письмо: 王芳", "PHONE": [["VALUE": "+86 10 1234", "VALUE_TYPE": "WORK"]]],
        ],
        "next": 50,
        "total": 120,
        "time": ["operating": 0.25, "operating_reset_at": 1_796_309_628],
    ]

    /// A state with the inspector showing `envelope` as crm.lead.list's answer.
    static func inspecting(_ envelope: JSONValue = leads, size: Size = Size(width: 80, height: 24)) -> ConsoleState {
        var state = Fixture.connected(size: size)
        guard case .stream(let id, _)? = Fixture.apply(&state, .command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\",\"PHONE\"]}")).first
        else {
            Issue.record("no stream was started")
            return state
        }
        var trace = CallTrace(profile: "sandbox", method: "crm.lead.list", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/crm.lead.list", params: .emptyObject))
        trace.duration = 0.042
        trace.attempts = [.init(number: 1, startedAt: Date(), duration: 0.04, httpStatus: 200, errorCode: nil, decision: "done")]
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: trace, result: .success(envelope)))))
        return state
    }

    static func inspector(_ state: ConsoleState) -> InspectorScreen { state.page.screen as! InspectorScreen }

    /// The path of the line under the cursor.
    static func cursorPath(_ state: ConsoleState) -> String? {
        let screen = inspector(state)
        return screen.selectedNode.map { screen.tree.root.dottedPath($0, rootName: screen.tree.rootName) }
    }

    // MARK: Lazy layout

    @Test func theRawViewLaysOutExactlyWhatThePrettyWriterWrites() {
        let value: JSONValue = ["a": [1, 2.5, ["b": nil, "c": [], "d": [:]]], "Имя": "Андрей \"Q\"\n", "e": true, "f": [["g": []]]]
        let raw = RawJSON(value)
        #expect((0 ..< raw.count).map(raw.line).joined(separator: "\n") == JSONWriter.pretty(value))
        #expect(RawJSON(.int(5)).count == 1 && RawJSON(.int(5)).line(0) == "5")
        #expect(RawJSON([]).line(0) == "[]")
    }

    @Test func theTreeFindsAndRevealsAnyNode() {
        var tree = JSONTree(Self.leads["result"]!, rootName: "result")
        let phone = JSONNodePath([2, 2, 0, 0])  // result.2.PHONE.0.VALUE, inside folded containers
        #expect(tree.index.line(of: phone) == nil)
        let line = tree.reveal(phone)
        #expect(line.map { tree.line($0).path } == "result.2.PHONE.0.VALUE")
        #expect(tree.lines.map(\.path).contains("result.0.PHONE.0.VALUE") == false, "only the hit's containers open")
        for position in tree.lines.indices { #expect(tree.index.line(of: tree.index.path(ofLine: position)) == position) }
        #expect(tree.reveal(JSONNodePath([9])) == nil)
    }

    @Test func aBigListOpensWithoutSpellingOutItsLines() {
        let rows = JSONValue.array((0 ..< 30_000).map { ["ID": .string(String($0)), "TITLE": .string("Лид \($0)"), "PHONE": [["VALUE": "+7"]]] })
        let tree = JSONTree(rows, rootName: "result")
        #expect(tree.index.count == 1 + 30_000 * 4)
        #expect(tree.lines[tree.index.count - 1].path == "result.29999.PHONE")
        #expect(tree.lines[tree.index.count - 2].summary == "\"Лид 29999\"")
    }

    // MARK: Search

    @Test func searchHighlightsAsYouTypeThenEnterLandsOnTheFirstHit() {
        var state = Self.inspecting()
        Fixture.keys(&state, .char("/"))
        #expect(state.page.screen.takesText)
        Fixture.type(&state, "новиков")  // lowercase finds "Новиков" and "Новикова"
        var screen = render(state, size: state.size).text
        #expect(screen.contains("Search: новиков") && screen.contains("2 hits · Enter goes to the first"))
        #expect(Self.cursorPath(state) == "result", "typing moves nothing")
        Fixture.keys(&state, .enter)
        #expect(Self.cursorPath(state) == "result.0.TITLE")
        #expect(state.status?.text == "hit 1 of 2: result.0.TITLE")
        Fixture.keys(&state, .char("n"))
        #expect(Self.cursorPath(state) == "result.2.TITLE")
        #expect(state.status?.text == "hit 2 of 2: result.2.TITLE")
        Fixture.keys(&state, .char("n"))
        #expect(state.status?.text == "hit 1 of 2: result.0.TITLE (from the top again)")
        Fixture.keys(&state, .char("N"))
        #expect(state.status?.text == "hit 2 of 2: result.2.TITLE (from the bottom again)")
        screen = render(state, size: state.size).text
        #expect(screen.contains("2 hits · n next, N previous") && screen.contains("n/N hit"))
        // Esc clears the search (n says there is none), a second Esc goes back.
        Fixture.keys(&state, .escape)
        #expect(Self.inspector(state).search == nil)
        Fixture.keys(&state, .char("n"))
        #expect(state.status?.text.hasPrefix("no search: / searches in the response") == true)
        Fixture.keys(&state, .escape)
        #expect(state.route == .home)
    }

    @Test func searchFindsHitsInsideFoldedContainersAndUnfoldsToThem() {
        var state = Self.inspecting()
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "+7 900")
        // The phones are folded: each folded PHONE says it hides a hit.
        #expect(render(state, size: state.size).text.contains("+ PHONE: [1 item]  (1 hit inside)"))
        Fixture.keys(&state, .enter)
        #expect(Self.cursorPath(state) == "result.0.PHONE.0.VALUE")
        #expect(render(state, size: state.size).text.contains("\"+7 900 000-00-01\""))
        Fixture.keys(&state, .char("n"))
        #expect(Self.cursorPath(state) == "result.2.PHONE.0.VALUE")
        #expect(state.status?.text == "hit 2 of 2: result.2.PHONE.0.VALUE")
        // Member names are searched too.
        Fixture.keys(&state, .char("/"), .ctrl("u"))
        Fixture.type(&state, "value_type")
        Fixture.keys(&state, .enter)
        #expect(state.status?.text == "hit 3 of 4: result.2.PHONE.0.VALUE_TYPE", "from the cursor on")
    }

    @Test func aSearchWithNoHitsSaysSoAndKeepsTheCursor() {
        var state = Self.inspecting()
        Fixture.keys(&state, .down, .down, .char("/"))
        Fixture.type(&state, "nothing like this")
        #expect(render(state, size: state.size).text.contains("no hits"))
        Fixture.keys(&state, .enter)
        #expect(state.status?.text == "no hits for \"nothing like this\" in names or values")
        #expect(Self.cursorPath(state) == "result.0.ID")
    }

    @Test func searchGoldensWithCyrillicHits() {
        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
            var state = Self.inspecting(size: size)
            Fixture.keys(&state, .char("/"))
            Fixture.type(&state, "новиков")
            Fixture.keys(&state, .enter)
            // The other hit's value is drawn in the warning colour (the cursor is on the first).
            let first = render(state, size: size)
            if let at = first.find("\"Звонок: Мария Новикова\"") {
                #expect(first.style(at: at) == Fixture.theme[.warning])
                #expect(first.style(at: Point(column: at.column, row: at.row - 1)) != Fixture.theme[.warning], "ID is no hit")
            } else {
                Issue.record("the second hit is not on screen")
            }
            Fixture.keys(&state, .char("n"))
            Golden.check(render(state, size: size), "inspector-search-\(size.width)x\(size.height)")
        }
    }

    @Test func aBigAnswerIsSearchedOffTheKeyLoop() async {
        let rows = JSONValue.array((0 ..< 15_000).map { ["ID": .string(String($0)), "TITLE": .string("Лид \($0)"), "PHONE": [["VALUE": "+7"]]] })
        var state = Self.inspecting(["result": rows, "next": 50, "total": 90_000])
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "лид 14999")
        #expect(Self.inspector(state).search?.searched == nil, "no search on every key of a big answer")
        #expect(render(state, size: state.size).text.contains("Enter searches"))
        let effects = Fixture.keys(&state, .enter)
        guard case .stream(let id, .searchResponse(let value, let query))? = effects.first else {
            Issue.record("no search effect: \(effects.map(\.summary))")
            return
        }
        #expect(query == "лид 14999" && render(state, size: state.size).text.contains("searching…"))
        // The runtime runs it on its own task, as it would (no portal needed).
        var found: JSONSearch.Found?
        for await answer in ConsoleServices(launch: ConsoleLaunch(environment: [:])).stream(.searchResponse(value, query: query), generation: 0) {
            if case .streamed(.searchFound(_, let hits)) = answer { found = hits }
        }
        guard let found else {
            Issue.record("the search stream found nothing")
            return
        }
        _ = reduce(&state, .answered(id, .streamed(.searchFound(query: query, found))))
        #expect(Self.cursorPath(state) == "result.14999.TITLE")
        #expect(state.status?.text == "hit 1 of 1: result.14999.TITLE")
    }

    // MARK: Path filter

    @Test func thePathFilterListsOnlyMatchingValuesWithTheirPaths() {
        var state = Self.inspecting()
        Fixture.keys(&state, .char("f"))
        Fixture.type(&state, "result.*.TITLE")
        let screen = render(state, size: state.size).text
        #expect(screen.contains("Filter result.*.TITLE 1/4"))
        #expect(screen.contains("result.1.TITLE: \"Request: Mateo Taylor\""))
        #expect(!screen.contains("ID: \"196\""))
        Fixture.keys(&state, .enter)
        #expect(state.status?.text == "4 values at result.*.TITLE; Enter shows one in the tree, Esc clears")
        // The root's name may be left out, names ignore case, and * is one level.
        Fixture.keys(&state, .char("f"), .ctrl("u"))
        Fixture.type(&state, "*.phone.*.value")
        #expect(Self.inspector(state).filter?.found.nodes.count == 4)
        Fixture.keys(&state, .enter, .down, .down)
        #expect(Self.cursorPath(state) == "result.2.PHONE.0.VALUE")
        // Enter shows the value in the tree, unfolded, with the cursor on it.
        Fixture.keys(&state, .enter)
        #expect(Self.inspector(state).filter == nil)
        #expect(Self.cursorPath(state) == "result.2.PHONE.0.VALUE")
        #expect(render(state, size: state.size).text.contains("┌ Result"))
        // An empty pattern clears; a pattern that matches nothing says so.
        Fixture.keys(&state, .char("f"), .ctrl("u"))
        Fixture.type(&state, "result.*.NOPE")
        Fixture.keys(&state, .enter)
        #expect(state.status?.text == "nothing at result.*.NOPE (* stands for any one name or item number)")
        Fixture.keys(&state, .escape)
        #expect(Self.inspector(state).filter == nil && state.route != .home)
    }

    @Test func filterGoldens() {
        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
            var state = Self.inspecting(size: size)
            Fixture.keys(&state, .char("f"))
            Fixture.type(&state, "result.*.TITLE")
            Fixture.keys(&state, .enter, .down)
            Golden.check(render(state, size: size), "inspector-filter-\(size.width)x\(size.height)")
        }
    }

    // MARK: Fetch all pages

    static func page(_ from: Int, _ count: Int, pages: Int, rows: Int, total: Int? = 120) -> PageProgress {
        PageProgress(items: (from ..< from + count).map { ["ID": .string(String($0)), "TITLE": .string("Лид \($0)")] }, pages: pages, rows: rows,
                     total: total, elapsed: Double(pages) * 0.5)
    }

    @Test func fetchAllPagesShowsProgressAndCancelKeepsTheRows() throws {
        var state = Self.inspecting()
        #expect(render(state, size: state.size).text.contains("a all pages"))
        let started = Fixture.keys(&state, .char("a"))
        guard case .stream(let id, .allPages(let request))? = started.first else {
            Issue.record("no fetch started: \(started.map(\.summary))")
            return
        }
        #expect(request.method == "crm.lead.list" && request.params["start"] == 50, "from the answer's next on")
        #expect(state.pageWork.contains(id))
        _ = reduce(&state, .answered(id, .streamed(.page(Self.page(1000, 50, pages: 1, rows: 50)))))
        var screen = render(state, size: state.size).text
        #expect(screen.contains("All pages") && screen.contains("54 of 120 rows · 2 pages · 100 rows/s"), "\(screen)")
        #expect(screen.contains("████░░░░░ 54 of 120 rows") && screen.contains("fetching… x cancels"))
        #expect(Self.inspector(state).hints(state).contains(KeyHint("x", "cancel fetch")))
        #expect(screen.contains("+ result: [54 items]") || screen.contains("- result: [54 items]"))
        // x cancels at once; the rows so far stay and the status says so.
        let cancelled = Fixture.keys(&state, .char("x"))
        #expect(cancelled.map(\.summary).contains("cancel \(id.name)"))
        #expect(!state.pageWork.contains(id))
        #expect(state.status?.text == "fetch cancelled: 54 of 120 rows · 2 pages · 100 rows/s; the rows so far stay, a fetches the rest")
        screen = render(state, size: state.size).text
        #expect(screen.contains("result: [54 items]") && screen.contains("cancelled · a resumes"))
        // A late page of the cancelled walk changes nothing; a resumes where it stopped.
        _ = reduce(&state, .answered(id, .streamed(.page(Self.page(1050, 50, pages: 2, rows: 100)))))
        #expect(Self.inspector(state).fetch?.rows.count == 54)
        guard case .stream(let resumed, .allPages(let again))? = Fixture.keys(&state, .char("a")).first else {
            Issue.record("no resume")
            return
        }
        #expect(again.params["start"] == 100 && resumed != id)
        _ = reduce(&state, .answered(resumed, .streamed(.page(Self.page(1050, 50, pages: 1, rows: 50)))))
        _ = reduce(&state, .answered(resumed, .streamed(.page(Self.page(1100, 16, pages: 2, rows: 66)))))
        _ = reduce(&state, .answered(resumed, .streamed(.pagingFinished(error: nil, warnings: []))))
        _ = reduce(&state, .answered(resumed, .ended(nil)))
        #expect(state.status?.text == "all pages fetched: 120 of 120 rows · 4 pages · 66 rows/s")
        screen = render(state, size: state.size).text
        #expect(screen.contains("result: [120 items]") && screen.contains("all fetched"))
        #expect(Fixture.keys(&state, .char("a")).isEmpty)
        #expect(state.status?.text.hasPrefix("every page is here already") == true)
        // The raw view and the filter see every row.
        Fixture.keys(&state, .char("f"))
        Fixture.type(&state, "result.*.ID")
        #expect(Self.inspector(state).filter?.found.nodes.count == 120)
        Golden.check(render(state, size: state.size), "inspector-all-pages-80x24")
    }

    @Test func fetchAllPagesSaysWhyNot() {
        var state = Self.inspecting(["result": [["ID": "1"]], "total": 1])
        Fixture.keys(&state, .char("a"))
        #expect(state.status?.text == "this answer is the only page: nothing more to fetch")
        var notAList = Self.inspecting(["result": ["ID": "1"]])
        Fixture.keys(&notAList, .char("a"))
        #expect(notAList.status?.text == "fetch all pages works on the answer of a list call (a …list method)")
        var nothing = Self.inspecting()
        Fixture.keys(&nothing, .char("x"))
        #expect(nothing.status?.text == "nothing running to cancel")
    }

    @Test func aFailedPageKeepsTheRowsAndSaysWhy() {
        var state = Self.inspecting()
        guard case .stream(let id, _)? = Fixture.keys(&state, .char("a")).first else { return }
        _ = reduce(&state, .answered(id, .streamed(.page(Self.page(1000, 50, pages: 1, rows: 50)))))
        _ = reduce(&state, .answered(id, .streamed(.pagingFinished(error: "HTTP 503", warnings: []))))
        #expect(state.status?.text == "fetching stopped at page 3: HTTP 503; the 54 rows so far stay, a tries again")
        #expect(render(state, size: state.size).text.contains("result: [54 items]"))
    }

    // MARK: Keys

    @Test func helpNamesEveryInspectorKeyInPlainWords() {
        let help = HelpScreen.lines(ConsoleKeymap.defaults)
        func line(_ key: String) -> String? { help.first { $0.hasPrefix(key + " ") || $0.hasPrefix(key + ",") } }
        #expect(line("/")?.contains("search in the response") == true)
        #expect(line("n")?.contains("next hit") == true)
        #expect(line("N")?.contains("previous hit") == true)
        #expect(line("f")?.contains("filter by path") == true)
        #expect(line("a")?.contains("fetch all pages") == true)
        #expect(line("x")?.contains("cancel") == true)
        #expect(line("]")?.contains("next page") == true)
    }

    @Test func whileTypingLettersAreTextNotKeys() {
        var state = Self.inspecting()
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "qa:?r")
        #expect(!state.quitting && state.overlay == nil && state.route != .home)
        #expect(Self.inspector(state).search?.query.text == "qa:?r" && Self.inspector(state).fetch == nil)
        #expect(render(state, size: state.size).text.contains("enter confirm"))
    }
}
