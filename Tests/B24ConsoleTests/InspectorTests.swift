@testable import B24Console
@testable import B24Client
import B24Wire
import Foundation
import TerminalKit
import Testing

@Suite("Calls from the console: :call, the inspector, the JSON tree")
struct InspectorTests {
    static let leads: JSONValue = [
        "result": [
            ["ID": "196", "TITLE": "Заявка: Андрей Новиков", "PHONE": [["VALUE": "+7 900 000-00-01", "VALUE_TYPE": "WORK"]]],
            ["ID": "197", "TITLE": "Request: Mateo Taylor", "OPENED": true, "OPPORTUNITY": 15000.5],
        ],
        "total": 2,
        "time": ["operating": 0.25, "operating_reset_at": 1_796_309_628],
    ]

    @Test func theTreeOpensTwoLevelsFoldsAndKnowsPaths() {
        var tree = JSONTree(Self.leads["result"]!, rootName: "result")
        #expect(tree.lines.map(\.path) == ["result", "result.0", "result.0.ID", "result.0.TITLE", "result.0.PHONE",
                                           "result.1", "result.1.ID", "result.1.TITLE", "result.1.OPENED", "result.1.OPPORTUNITY"])
        #expect(tree.lines[4].isContainer && !tree.lines[4].isOpen)  // depth 2: folded
        #expect(tree.lines[4].summary == "[1 item]")
        tree.toggle(4)
        #expect(tree.lines.map(\.path).contains("result.0.PHONE.0.VALUE_TYPE") == false)  // depth 3 opens folded
        #expect(tree.lines[5].path == "result.0.PHONE.0")
        #expect(tree.parent(of: 5) == 4)
        #expect(tree.toggle(2) == false)  // a scalar does not fold
        tree.toggle(1)
        #expect(tree.lines.map(\.path) == ["result", "result.0", "result.1", "result.1.ID", "result.1.TITLE", "result.1.OPENED",
                                           "result.1.OPPORTUNITY"])
        #expect(tree.lines[3].summary == "\"197\"" && tree.lines[5].summary == "true")
    }

    func answered(_ state: inout ConsoleState, _ result: Result<JSONValue, B24Error>, method: String = "crm.lead.list") {
        guard case .stream(let id, _)? = Fixture.apply(&state, .command("call \(method) {\"select\":[\"ID\",\"TITLE\"]}")).first else {
            Issue.record("no stream was started")
            return
        }
        var trace = CallTrace(profile: "sandbox", method: method, apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/\(method)", params: .emptyObject))
        trace.duration = 0.042
        trace.attempts = [.init(number: 1, startedAt: Date(), duration: 0.04, httpStatus: 200, errorCode: nil, decision: "done")]
        if case .failure(let error) = result { trace.error = CallTrace.TraceError(error, redactor: Redactor()) }
        _ = reduce(&state, .answered(id, .streamed(.callEvent(.attemptStarted(number: 1), at: Date()))))
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: trace, result: result))))
    }

    @Test func paletteCallSendsThroughAStreamAndShowsTheResult() throws {
        var state = Fixture.connected()
        let effects = Fixture.apply(&state, .command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"]}"))
        #expect(effects.map(\.summary) == ["stream call#1"])
        guard case .stream(_, .observedCall(let request))? = effects.first else { return }
        #expect(request.method == "crm.lead.list" && request.params == ["select": ["ID", "TITLE"]])
        #expect(request.recording == .standard)  // a call the user makes is kept in history and audit
        #expect(state.route == .call(method: "crm.lead.list", params: ["select": ["ID", "TITLE"]]))
        #expect(render(state, size: state.size).text.contains("running…"))
        // The same call again sends it again; F5 too; a new connection does not.
        #expect(Fixture.apply(&state, .command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"]}")).map(\.summary) == ["stream call#2"])
        #expect(Fixture.keys(&state, KeyEvent(.function(5))).map(\.summary).contains("stream call#3"))
        let info = ConnectionInfo(profile: "sandbox", portal: "http://127.0.0.1:1", auth: "webhook", isSandbox: true)
        #expect(!reduce(&state, .connected(info, profiles: [], generation: state.generation)).map(\.summary).contains { $0.hasPrefix("stream") })
    }

    @Test func badParametersKeepThePaletteText() {
        var state = Fixture.connected()
        #expect(reduce(&state, .command("call crm.lead.list {bad")).isEmpty)
        #expect(state.status?.text.hasPrefix("the parameters of :call are not valid JSON") == true)
        #expect((state.overlay?.screen as? PaletteScreen)?.text.text == "call crm.lead.list {bad")
        _ = reduce(&state, .command("call crm.lead.list [1]"))
        #expect(state.status?.text == "the parameters of :call must be a JSON object like {\"ID\": 1}, not array")
        _ = reduce(&state, .command("call"))
        #expect(state.status?.text.hasPrefix(":call needs a method name") == true)
        #expect(state.route == .home)
    }

    @Test func inspector80x24AndKeys() throws {
        var state = Fixture.connected()
        answered(&state, .success(Self.leads))
        Golden.check(render(state, size: state.size), "inspector-crm.lead.list-80x24")
        // Right on a folded container opens it; Left folds it again, then goes to the parent.
        Fixture.keys(&state, .down, .down, .down, .down)
        #expect(render(state, size: state.size).text.contains("+ PHONE: [1 item]"))
        Fixture.keys(&state, .right)
        #expect(render(state, size: state.size).text.contains("- PHONE: [1 item]"))
        Fixture.keys(&state, .left)
        #expect(render(state, size: state.size).text.contains("+ PHONE: [1 item]"))
        Fixture.keys(&state, .left)
        #expect((state.page.screen as? InspectorScreen).map { $0.tree.lines[$0.nav.cursor.selected].path } == "result.0")
        // r: the raw JSON, and back.
        Fixture.keys(&state, .char("r"))
        let raw = render(state, size: state.size).text
        #expect(raw.contains("\"TITLE\": \"Заявка: Андрей Новиков\"") && raw.contains("┌ Raw"))
        Fixture.keys(&state, .char("r"))
        #expect(render(state, size: state.size).text.contains("┌ Result"))
        // On the root, Left folds it; once folded, Left goes back, as everywhere.
        Fixture.keys(&state, .char("g"), .left)
        #expect(render(state, size: state.size).text.contains("+ result: [2 items]"))
        Fixture.keys(&state, .left)
        #expect(state.route == .home)
    }

    @Test func inspectorError120x40() {
        var state = Fixture.connected(size: Size(width: 120, height: 40))
        answered(&state, .failure(.portal(PortalError(code: "", message: "Not found", httpStatus: 400))), method: "crm.lead.get")
        let screen = render(state, size: state.size)
        Golden.check(screen, "inspector-error-120x40")
        #expect(screen.text.contains("portal error (empty code) (HTTP 400): Not found"))
        // A failed call opens on its steps: what was sent, how it ended, why, and what to do next.
        #expect(screen.text.contains("┌ Steps"))
        #expect(screen.text.contains("why: no object with this id exists"))
        #expect(screen.text.contains("key: d diagnoses this call"))
        Fixture.keys(&state, .char("s"))
        #expect(render(state, size: state.size).text.contains("┌ Request"))
    }

    @Test func theRawViewHasNoTreeKeysAndAnAnswerBringsTheTreeBack() {
        var state = Fixture.connected()
        let effects = Fixture.apply(&state, .command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"]}"))
        Fixture.keys(&state, .char("r"))  // raw view of what is being sent, while the call runs
        #expect(render(state, size: state.size).text.contains("┌ Raw"))
        let copied = Fixture.keys(&state, .char("y"))
        #expect(!copied.contains { if case .copy = $0 { return true } else { return false } })
        #expect(state.status?.text == "copy works on the tree: r goes back to it")
        guard case .stream(let id, _)? = effects.first else { return }
        let trace = CallTrace(profile: "sandbox", method: "crm.lead.list", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/crm.lead.list", params: .emptyObject))
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: trace, result: .success(Self.leads)))))
        let screen = render(state, size: state.size).text
        #expect(screen.contains("┌ Result") && screen.contains("r raw") && screen.contains("←→ fold"))
        // Left folds the root, as the hint says, instead of closing the page.
        Fixture.keys(&state, .left)
        #expect(state.route != .home)
    }

    @Test func aLateAnswerOfAnEarlierSendIsIgnored() {
        var state = Fixture.connected()
        guard case .stream(let first, _)? = Fixture.apply(&state, .command("call server.time {}")).first else { return }
        _ = Fixture.keys(&state, KeyEvent(.function(5)))  // sent again
        let trace = CallTrace(profile: "sandbox", method: "server.time", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/server.time", params: .emptyObject))
        _ = reduce(&state, .answered(first, .call(CallOutcome(trace: trace, result: .success(["result": "2020-01-01T00:00:00+00:00"])))))
        #expect(render(state, size: state.size).text.contains("running…"))
        #expect(state.pageWork.count == 1, "the second send is still tracked, so closing the page cancels it")
    }

    @Test func aCallRunningWhenTheConnectionChangesSaysItWasCancelled() {
        var state = Fixture.connected()
        _ = Fixture.apply(&state, .command("call server.time {}"))
        _ = reduce(&state, .command("profile main"))
        let info = ConnectionInfo(profile: "main", portal: "https://example.bitrix24.ru", auth: "webhook")
        let effects = reduce(&state, .connected(info, profiles: state.profiles, generation: state.generation))
        #expect(!effects.contains { if case .stream = $0 { return true } else { return false } })
        let screen = render(state, size: state.size).text
        #expect(screen.contains("Status    cancelled"))
        #expect(screen.contains("cancelled: the connection changed while the call ran; F5 sends it on"))
    }

    @Test func nextPageOpensTheSameCallFromTheNextStart() {
        var state = Fixture.connected()
        guard case .stream(let id, _)? = Fixture.apply(&state, .command("call crm.lead.list {\"select\":[\"ID\"]}")).first else { return }
        let trace = CallTrace(profile: "sandbox", method: "crm.lead.list", apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "http://x/rest/1/****/crm.lead.list", params: .emptyObject))
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: trace, result: .success(["result": [["ID": "1"]], "next": 50, "total": 120])))))
        #expect(render(state, size: state.size).text.contains("] next page"))
        let effects = Fixture.keys(&state, .char("]"))
        #expect(state.route == .call(method: "crm.lead.list", params: ["select": ["ID"], "start": 50]))
        #expect(effects.map(\.summary) == ["stream call#1"])
        Fixture.keys(&state, .escape)
        #expect(state.route == .call(method: "crm.lead.list", params: ["select": ["ID"]]))
        // The last page has no "next": n says so and stays.
        var last = Fixture.connected()
        guard case .stream(let lastID, _)? = Fixture.apply(&last, .command("call crm.lead.list {}")).first else { return }
        _ = reduce(&last, .answered(lastID, .call(CallOutcome(trace: trace, result: .success(["result": [["ID": "120"]], "total": 120])))))
        #expect(Fixture.keys(&last, .char("]")).isEmpty)
        #expect(last.status?.text == "no next page: the answer has no \"next\"")
        #expect(last.route == .call(method: "crm.lead.list", params: .emptyObject))
    }

    @Test func curlForAWebhookAndForAnApplication() {
        let webhook = CallTrace.RequestRecord(httpMethod: "POST", url: "https://b24.example/rest/1/****/crm.lead.get", params: ["ID": 5])
        #expect(InspectorScreen.curl(webhook)
            == "curl -sS -X POST 'https://b24.example/rest/1/****/crm.lead.get' -H 'Content-Type: application/json' --data-raw '{\"ID\":5}'")
        let app = CallTrace.RequestRecord(httpMethod: "POST", url: "https://b24.example/rest/crm.lead.get", params: ["ID": 5, "NAME": "O'Brien"])
        #expect(InspectorScreen.curl(app)
            == "curl -sS -X POST 'https://b24.example/rest/crm.lead.get' -H 'Content-Type: application/json' --data-raw '{\"ID\":5,\"NAME\":\"O'\\''Brien\",\"auth\":\"****\"}'")
    }

    @Test func aRevealedWebhookCurlHasNoPlaceholderToken() {
        let revealed = CallTrace.RequestRecord(httpMethod: "POST", url: "https://b24.example/rest/1/realcode123/crm.lead.get", params: ["id": 201])
        #expect(InspectorScreen.curl(revealed, revealed: true).hasSuffix("--data-raw '{\"id\":201}'"))
    }

    @Test func helpNamesTheRawViewKey() {
        #expect(HelpScreen.lines(ConsoleKeymap.defaults).contains { $0.hasPrefix("r, f2 ") && $0.contains("raw view") })
    }
}
