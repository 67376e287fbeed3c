@testable import B24Console
import B24Catalog
@testable import B24Client
import B24Wire
import Foundation
import Testing
import TerminalKit

@Suite("Reducer: action in → state and effects out")
struct ReducerTests {
    @Test func startConnectsAndSchedulesTicks() {
        var state = ConsoleState()
        let effects = reduce(&state, .start)
        #expect(effects.map(\.summary) == ["connect default", "schedule 2.0"])
    }

    @Test func connectedToSandboxAsksHomeFacts() {
        var state = ConsoleState()
        let info = ConnectionInfo(profile: "sandbox", portal: "http://127.0.0.1:1", auth: "webhook", isSandbox: true)
        let effects = reduce(&state, .connected(info, profiles: [], generation: state.generation))
        #expect(state.status?.text == "sandbox portal — no account needed")
        #expect(effects.map(\.summary) == ["call user.current", "call scope", "call server.time", "call methods", "limiter"])
        #expect(state.live.user == .loading)
    }

    @Test func profileThemeAppliesUnlessFlagGiven() {
        var state = ConsoleState()
        var info = ConnectionInfo(profile: "p", portal: "https://x", auth: "a", theme: "light")
        #expect(reduce(&state, .connected(info, profiles: [], generation: state.generation)).map(\.summary).contains("theme light"))
        state = ConsoleState()
        state.themeFromFlag = true
        info.theme = "light"
        #expect(!reduce(&state, .connected(info, profiles: [], generation: state.generation)).map(\.summary).contains("theme light"))
    }

    @Test func navigationThroughPacksMethodAndBack() {
        var state = Fixture.connected()
        Fixture.keys(&state, .enter)  // Home menu: Packs
        #expect(state.route == .packs)
        Fixture.keys(&state, .char("j"), .enter)  // second pack
        #expect(state.route == .pack(state.catalog.packs[1].name))
        let effects = Fixture.keys(&state, .down, .enter)
        #expect(state.route == .method(state.catalog.packs[1].methods[1].name))
        #expect(effects.map(\.summary) == ["call method.get"])
        Fixture.keys(&state, .escape)
        #expect(state.route == .pack(state.catalog.packs[1].name))
        #expect(state.page.cursor.selected == 1)  // the cursor is where it was
        Fixture.keys(&state, .backspace, .char("h"))
        #expect(state.route == .home)
        Fixture.keys(&state, .escape)
        #expect(state.route == .home)
        #expect(state.status?.text.contains("q to quit") == true)
    }

    @Test func tabMovesBetweenPanesAndEnterOpensChain() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.pack("core")), .key(.tab))
        #expect(state.page.focus == 1)
        Fixture.keys(&state, .enter)
        #expect(state.route == .chain("core.lead-intake"))
        // The cursor starts on the first step; Enter opens its method.
        Fixture.keys(&state, .enter)
        #expect(state.route == .method("crm.lead.add"))
        Fixture.keys(&state, .escape, .escape, .backTab)
        #expect(state.page.focus == 0)
    }

    @Test func noCallsWhileDisconnected() {
        var state = ConsoleState()
        #expect(reduce(&state, .open(.method("crm.lead.list"))).isEmpty)
    }

    @Test func cursorStaysInBounds() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.packs))
        Fixture.keys(&state, .char("G"))
        #expect(state.page.cursor.selected == Panes.rows(.packs, pane: 0, state).count - 1)
        Fixture.keys(&state, .down, .down, .pageDown)
        #expect(state.page.cursor.selected == Panes.rows(.packs, pane: 0, state).count - 1)
        Fixture.keys(&state, .char("g"), .up)
        #expect(state.page.cursor.selected == 0)
    }

    @Test(arguments: [
        ("open lines", SearchHit.Kind.pack, "comms"),
        ("copilot", SearchHit.Kind.pack, "platform"),
        ("time tracking", SearchHit.Kind.pack, "services"),
    ])
    func searchUsesVocabulary(query: String, kind: SearchHit.Kind, name: String) {
        var state = Fixture.connected()
        Fixture.keys(&state, .char("/"))
        #expect(state.route == .search)
        Fixture.type(&state, query)
        #expect(state.search.query.text == query)
        #expect(state.search.hits.contains { $0.kind == kind && $0.name == name })
        Fixture.keys(&state, .enter)
        if case .search = state.route { Issue.record("Enter did not open a hit") }
    }

    @Test func searchFindsCopilotMethodsAndOpensThem() {
        var state = Fixture.connected()
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "copilot")
        #expect(state.search.hits.contains { $0.kind == .method && $0.name.hasPrefix("ai.") })
        let index = state.search.hits.firstIndex { $0.kind == .method }!
        for _ in 0 ..< index { Fixture.keys(&state, .down) }
        Fixture.keys(&state, .enter)
        #expect(state.route == .method(state.search.hits[index].name))
    }

    @Test func searchTypingJAndQDoesNotNavigateOrQuit() {
        var state = Fixture.connected()
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "jq")
        #expect(!state.quitting)
        #expect(state.search.query.text == "jq")
        Fixture.keys(&state, .backspace, .backspace, .backspace)  // third one leaves search
        #expect(state.route == .home)
    }

    @Test func paletteCommands() {
        var state = Fixture.connected()
        func run(_ line: String) -> [Effect] {
            var effects = Fixture.keys(&state, .char(":"))
            for c in line { effects += reduce(&state, .key(.char(c))) }
            return effects + reduce(&state, .key(.enter))
        }
        _ = run("packs")
        #expect(state.route == .packs)
        _ = run("pack comms")
        #expect(state.route == .pack("comms"))
        _ = run("chains")
        #expect(state.route == .chains("comms"))
        _ = run("method CRM.LEAD.LIST")
        #expect(state.route == .method("crm.lead.list"))
        _ = run("chain core.event-sync")
        #expect(state.route == .chain("core.event-sync"))
        _ = run("pack other")
        #expect(state.route == .pack("other"))
        #expect(run("profile sandbox").map(\.summary) == ["connect sandbox"])
        #expect(run("theme light").map(\.summary) == ["theme light"])
        _ = run("home")
        #expect(state.route == .home)
        #expect(run("quit").map(\.summary) == ["quit"])
        #expect(state.quitting)
    }

    @Test func unknownCommandKeepsEverything() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.pack("core")), .key(.down))
        let before = state.stack
        Fixture.keys(&state, .char(":"))
        Fixture.type(&state, "pakc core")
        let effects = Fixture.keys(&state, .enter)
        #expect(effects.isEmpty)
        #expect(state.stack == before)
        #expect(state.status?.kind == .error)
        #expect(state.status?.text.hasPrefix("unknown command \"pakc\"") == true)
        #expect((state.overlay?.screen as? PaletteScreen)?.text == EditableText("pakc core"))  // the typed text is kept
        Fixture.keys(&state, .escape)
        #expect(state.overlay == nil)
        #expect(state.stack == before)
    }

    @Test func paletteArgumentErrors() {
        var state = Fixture.connected()
        #expect(reduce(&state, .command("pack nope")).isEmpty)
        #expect(state.status?.text.hasPrefix("unknown pack \"nope\"; packs: core, comms") == true)
        _ = reduce(&state, .command("method"))
        #expect(state.status?.text == ":method needs a method name, e.g. :method crm.lead.list")
        _ = reduce(&state, .command("profile nobody"))
        #expect(state.status?.text.contains("profiles: main, 東京支店, sandbox") == true)
        #expect(state.route == .home)
    }

    @Test func callResultsFillHome() {
        var state = Fixture.connected()
        let trace = CallTrace(profile: "sandbox", method: "user.current", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/user.current", params: .emptyObject))
        let user: JSONValue = ["result": ["ID": "3", "NAME": "Иван", "LAST_NAME": "Петров"]]
        Fixture.apply(&state, .callFinished(.currentUser, CallOutcome(trace: trace, result: .success(user))))
        #expect(state.live.user == .loaded("Иван Петров (id 3)"))
        var failed = trace
        let wrongAuth = B24Error.portal(PortalError(code: "NO_AUTH_FOUND", message: "Wrong auth", httpStatus: 401))
        failed.error = CallTrace.TraceError(wrongAuth, redactor: Redactor())
        Fixture.apply(&state, .callFinished(.serverTime, CallOutcome(trace: failed, result: .failure(wrongAuth))))
        if case .failed(let message) = state.live.serverTime { #expect(message.contains("NO_AUTH_FOUND") || message.contains("Wrong auth")) } else {
            Issue.record("server time should have failed")
        }
        let available: JSONValue = ["result": ["isExisting": true, "isAvailable": true]]
        Fixture.apply(&state, .callFinished(.availability("crm.lead.list"), CallOutcome(trace: trace, result: .success(available))))
        #expect(state.live.availability["crm.lead.list"] == .loaded(.available))
    }

    @Test func helpOpensAndCloses() {
        var state = Fixture.connected()
        Fixture.keys(&state, .char("?"))
        #expect(state.overlay?.route == .help)
        Fixture.keys(&state, .char("j"))
        #expect((state.overlay?.screen as? HelpScreen)?.offset == 1)
        Fixture.keys(&state, .escape)
        #expect(state.overlay == nil)
        #expect(state.route == .home)
    }

    @Test func quitKeys() {
        for key in [KeyEvent.char("q"), .ctrl("c")] {
            var state = Fixture.connected()
            #expect(reduce(&state, .key(key)).map(\.summary) == ["quit"])
            #expect(state.quitting)
        }
    }

    @Test func themeResults() {
        var state = Fixture.connected()
        Fixture.apply(&state, .themeLoaded(name: "light", .plain))
        #expect(state.themeName == "light")
        Fixture.apply(&state, .themeFailed("themes/x.toml: key \"palette.error\": unknown colour \"reddish\""))
        #expect(state.status?.kind == .error)
        #expect(state.themeName == "light")
    }

    @Test func otherPackListsUnlistedMethodsWithVerbRisk() {
        let state = Fixture.connected()
        let rows = Panes.rows(.pack("other"), pane: 0, state)
        #expect(rows.map { $0.spans[2].text } == ["app.info", "profile"])
        #expect(Panes.rows(.packs, pane: 0, state).last?.target == .route(.pack("other")))
    }

    @Test func refreshingClearsWhenTheLastAnswerArrives() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.method("crm.lead.list")))
        let effects = Fixture.keys(&state, KeyEvent(.function(5)))
        #expect(state.status == .refreshing)
        let trace = CallTrace(profile: "sandbox", method: "x", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/x", params: .emptyObject))
        var ids: [EffectID] = []
        for case .call(let id, _) in effects { ids.append(id) }
        #expect(ids.count == 5)  // four Home facts and method.get
        for (i, id) in ids.enumerated() {
            #expect(state.status == .refreshing, "still loading before answer \(i)")
            Fixture.apply(&state, .answered(id, .call(CallOutcome(trace: trace, result: .success(["result": []])))))
        }
        #expect(state.status == nil)
    }

    @Test func statusClearsOnTheNextSuccessfulNavigation() {
        var state = Fixture.connected()
        Fixture.keys(&state, .escape)
        #expect(state.status?.text == "this is Home — press q to quit")
        Fixture.keys(&state, .enter)  // Packs
        #expect(state.route == .packs)
        #expect(state.status == nil)
        _ = reduce(&state, .command("pack"))
        #expect(state.status?.text.hasPrefix(":pack needs a pack name") == true)
        Fixture.keys(&state, .escape, .enter)  // close the palette, open the selected pack
        #expect(state.route == .pack("core"))
        #expect(state.status == nil)
        _ = reduce(&state, .command("nonsense"))
        Fixture.keys(&state, .escape, .escape)  // close the palette, go back
        #expect(state.route == .packs)
        #expect(state.status == nil)
        _ = reduce(&state, .command("nonsense"))
        _ = reduce(&state, .command("method crm.lead.add"))
        #expect(state.status == nil)
    }

    @Test func paletteJumpsReplaceTheStackWithTheNaturalPath() {
        var state = Fixture.connected()
        for line in ["packs", "pack core", "pack comms", "pack boards", "method crm.lead.add"] {
            _ = reduce(&state, .command(line))
        }
        #expect(state.stack.map(\.route) == [.home, .packs, .pack("core"), .method("crm.lead.add")])
        // The parents point at the way down: Esc lands on the method's row in its pack.
        let packRows = Panes.rows(.pack("core"), pane: 0, state)
        #expect(packRows[state.stack[2].panes[0].selected].target == .route(.method("crm.lead.add")))
        Fixture.keys(&state, .escape)
        #expect(state.route == .pack("core"))
        _ = reduce(&state, .command("chain core.event-sync"))
        #expect(state.stack.map(\.route) == [.home, .packs, .pack("core"), .chain("core.event-sync")])
        #expect(state.stack[2].focus == 1)  // the chains pane
        _ = reduce(&state, .command("method app.info"))  // discovered on the portal only
        #expect(state.stack.map(\.route) == [.home, .packs, .pack("other"), .method("app.info")])
        _ = reduce(&state, .command("chains"))
        #expect(state.stack.map(\.route) == [.home, .chains(nil)])
        _ = reduce(&state, .command("packs"))
        #expect(state.stack.map(\.route) == [.home, .packs])
    }

    @Test func breadcrumbIsCutAtTheStart() {
        let parts = ["Home", "Packs", "telephony", "telephony.externalCall.register"]
        #expect(breadcrumb(parts, width: 80) == "Home › Packs › telephony › telephony.externalCall.register")
        #expect(breadcrumb(parts, width: 50) == "… › telephony › telephony.externalCall.register")
        #expect(breadcrumb(parts, width: 36) == "… › telephony.externalCall.register")
        #expect(breadcrumb(parts, width: 12) == "…ll.register")
        var state = Fixture.connected(size: Size(width: 60, height: 16))
        for _ in 0 ..< 6 { Fixture.apply(&state, .open(.pack("comms")), .open(.method("telephony.externalCall.register"))) }
        let top = render(state, size: state.size).text(row: 0)
        #expect(top.contains("… › "))
        #expect(top.trimmingCharacters(in: .whitespaces).hasSuffix("telephony.externalCall.register"))
    }

    @Test func searchFindsMethodsDiscoveredOnThePortal() {
        var state = Fixture.connected()
        state.live.portalMethods = .loaded(["user.current", "app.info", "imopenlines.widget.ping"])
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "app.info")
        let hit = state.search.hits.first
        #expect(hit?.name == "app.info" && hit?.pack == "other" && hit?.kind == .method)
        Fixture.keys(&state, .enter)
        #expect(state.route == .method("app.info"))
        // The vocabulary reaches discovered methods too ("open lines" → imopenlines.*).
        Fixture.keys(&state, .escape)
        Fixture.keys(&state, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace)
        Fixture.type(&state, "open lines")
        #expect(state.search.hits.contains { $0.name == "imopenlines.widget.ping" })
    }

    @Test func searchResultsGainMethodsDiscoveredLater() {
        var state = Fixture.connected()
        state.live.portalMethods = .loading
        Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "app.info")
        #expect(!state.search.hits.contains { $0.name == "app.info" })
        let trace = CallTrace(profile: "sandbox", method: "methods", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/methods", params: .emptyObject))
        Fixture.apply(&state, .callFinished(.portalMethods, CallOutcome(trace: trace, result: .success(["result": ["app.info"]]))))
        #expect(state.search.hits.contains { $0.name == "app.info" && $0.pack == "other" })
    }

    @Test(arguments: ["tasks.task.list", "tasks.task.add", "tasks.task.get", "tasks.task.update"])
    func methodDetailShowsV2AndV3Parameters(method: String) throws {
        let state = Fixture.connected()
        let specs = state.catalog.specs(for: method)
        let v3 = try #require(specs.first { $0.api == .v3 }, "the catalog has a REST 3.0 spec for \(method)")
        let texts = Panes.rows(.method(method), pane: 0, state).map(\.text)
        let v2Header = try #require(texts.firstIndex(of: "Parameters (v2)"))
        let v3Header = try #require(texts.firstIndex(of: "Parameters (v3, REST 3.0)"))
        #expect(v2Header < v3Header)
        // Every v3 parameter is listed under the v3 heading.
        let v3Rows = texts[(v3Header + 1)...].prefix { !$0.hasPrefix("Chains that use it") }
        for param in v3.params { #expect(v3Rows.contains { $0.hasPrefix("  " + param.name) }, "\(method): \(param.name)") }
    }

    @Test func resizeUpdatesSize() {
        var state = Fixture.connected()
        Fixture.apply(&state, .resize(Size(width: 30, height: 8)))
        #expect(state.size == Size(width: 30, height: 8))
    }
}
