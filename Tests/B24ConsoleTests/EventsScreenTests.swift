import B24Client
@testable import B24Console
import B24Wire
import Foundation
import TerminalKit
import Testing

@Suite("The events screen")
struct EventsScreenTests {
    static let clock = Date(timeIntervalSince1970: 1_796_000_000)

    /// Connected state with `:events` open, its sources ready and the clock set.
    static func opened() -> (ConsoleState, EffectID) {
        var state = Fixture.connected()
        let effects = Fixture.apply(&state, .command("events"))
        #expect(effects.contains { if case .stream(_, .eventTail) = $0 { return true } else { return false } })
        let id = EffectID(owner: .page(state.page.id), generation: state.generation, name: "tail")
        Fixture.apply(&state,
                      .answered(id, .streamed(.tail(.status(SourceStatus(source: .receiver, state: .ready, detail: "http://127.0.0.1:40123/"))))),
                      .answered(id, .streamed(.tail(.status(SourceStatus(source: .offline, state: .ready, detail: "every 5 s"))))),
                      .answered(id, .streamed(.tailTick(clock))))
        return (state, id)
    }

    static func event(_ row: Int64, _ name: String, id: String, source: EventSource = .online, seconds: Double = 0,
                      title: String = "Заявка") -> ReceivedEvent {
        var payload: JSONValue = ["event": .string(name), "data": ["FIELDS": ["ID": .string(id), "TITLE": .string(title)]],
                                  "auth": ["member_id": "abc", "application_token": "****7f3a"]]
        if source == .offline { payload = ["ID": .string(String(row)), "EVENT_NAME": .string(name), "EVENT_DATA": ["FIELDS": ["ID": .string(id)]]] }
        return ReceivedEvent(id: row, source: source, receivedAt: clock.addingTimeInterval(seconds), event: name, entityID: id,
                             handlerID: source == .online ? "3" : nil, messageID: source == .offline ? String(row) : nil,
                             payload: payload)
    }

    static func feed(_ state: inout ConsoleState, _ id: EffectID, _ items: TailItem...) {
        for item in items { Fixture.apply(&state, .answered(id, .streamed(.tail(item)))) }
    }


    @Test func golden80x24WithSourcesCountersMissedAndStrippedControls() {
        var (state, id) = Self.opened()
        Self.feed(&state, id,
                  .event(Self.event(1, "ONCRMLEADUPDATE", id: "12", seconds: -3)),
                  .event(Self.event(2, "ONCRMDEALADD", id: "7", seconds: -2, title: "Сделка \u{1B}[31mred")),
                  .event(Self.event(3, "ONCRMLEADADD", id: "41", source: .offline, seconds: -1)),
                  .missedOnline(Self.event(3, "ONCRMLEADADD", id: "41", source: .offline, seconds: -1)),
                  .event(Self.event(4, "ONTASKADD", id: "5\u{7}\u{1B}[2J", seconds: 0)),
                  .refused(status: 403, reason: "wrong application_token"))
        let screen = render(state, size: Size(width: 80, height: 24))
        Golden.check(screen, "events-80x24")
        #expect(screen.text.contains("received 4 · missed online 1 · dropped from view 0 · refused 1"))
        #expect(screen.text.contains("MISSED ONLINE"))
        #expect(!screen.text.contains("\u{1B}"), "control characters must not reach the screen")
        #expect(screen.text.contains("PAUSED") == false)
        #expect(!screen.text.contains("DLQ"), "an empty DLQ is not mentioned")
        Fixture.apply(&state, .answered(id, .streamed(.deadLetters(2))))
        #expect(render(state, size: Size(width: 120, height: 24)).text.contains("worker DLQ 2"))
        #expect(screen.text.contains("receiver: ready (http://127.0.0.1:40123/) · last event 0 s ago"))
    }

    @Test func filterPauseFollowAndTheBoundedBuffer() throws {
        var (state, id) = Self.opened()
        for row in 1...1005 {
            Self.feed(&state, id, .event(Self.event(Int64(row), row % 2 == 0 ? "ONCRMLEADUPDATE" : "ONCRMDEALUPDATE", id: String(row))))
        }
        var events = try #require(state.page.screen as? EventsScreen)
        #expect(events.rows.count == EventsScreen.bufferLimit)
        #expect(events.droppedFromView == 5)
        #expect(events.rows.last?.entityID == "1005", "newest at the bottom")
        _ = Fixture.keys(&state, .char("/"))
        Fixture.type(&state, "DEALUPDATE")
        _ = Fixture.keys(&state, .enter)
        events = try #require(state.page.screen as? EventsScreen)
        #expect(events.visible.count == 500)
        #expect(events.visible.allSatisfy { $0.event == "ONCRMDEALUPDATE" })
        _ = Fixture.keys(&state, .escape)  // clears the filter
        _ = Fixture.keys(&state, .char("p"))
        Self.feed(&state, id, .event(Self.event(2000, "ONCRMLEADADD", id: "2000")))
        events = try #require(state.page.screen as? EventsScreen)
        #expect(events.paused)
        #expect(events.rows.last?.entityID == "1005", "a paused list holds new events off")
        #expect(events.held.count == 1)
        _ = Fixture.keys(&state, .char("p"))
        events = try #require(state.page.screen as? EventsScreen)
        #expect(events.rows.last?.entityID == "2000")
        #expect(events.received == 1006)
        // Moving up past the first buffered event asks SQLite for older ones.
        _ = Fixture.keys(&state, .char("g"))
        let effects = Fixture.keys(&state, .up)
        #expect(effects.contains { if case .load(_, .events(_, let before, _)) = $0 { return before == 7 } else { return false } })
    }

    @Test func anEventOpensInDetailAndThenItsEntityInTheInspector() throws {
        var (state, id) = Self.opened()
        Self.feed(&state, id, .event(Self.event(1, "ONCRMLEADUPDATE", id: "12")))
        _ = Fixture.keys(&state, .enter)
        let shown = render(state, size: Size(width: 80, height: 24)).text
        #expect(shown.contains("Enter: open crm.lead.get {\"id\":\"12\"} in the inspector"))
        #expect(shown.contains("\"application_token\": \"****7f3a\""))
        _ = Fixture.keys(&state, .enter)
        #expect(state.route == .call(method: "crm.lead.get", params: ["id": "12"]))
    }

    @Test func bindSendsEventBindWithTheReceiversURL() throws {
        var (state, _) = Self.opened()
        _ = Fixture.keys(&state, .char("b"))
        Fixture.type(&state, "ONCRMLEADADD")
        let effects = Fixture.keys(&state, .enter)
        let request = try #require(effects.compactMap { effect -> CallRequest? in
            if case .call(_, let request) = effect { return request } else { return nil }
        }.first)
        #expect(request.method == "event.bind")
        #expect(request.params["handler"]?.stringValue == "http://127.0.0.1:40123/")
        #expect(request.params["event"]?.stringValue == "ONCRMLEADADD")
        _ = Fixture.keys(&state, .char("u"))
        Fixture.type(&state, "ONCRMLEADADD offline")
        let unbind = Fixture.keys(&state, .enter).compactMap { effect -> CallRequest? in
            if case .call(_, let request) = effect { return request } else { return nil }
        }.first
        #expect(unbind?.method == "event.unbind")
        #expect(unbind?.params["event_type"]?.stringValue == "offline")
    }

    @Test func helpNamesTheEventKeysInPlainWords() {
        let text = HelpScreen.lines(ConsoleKeymap.defaults).joined(separator: "\n")
        for word in ["follow", "pause", "bind an event", "unbind an event"] { #expect(text.contains(word)) }
        #expect(Command.paletteUsage.contains("events"))
    }

    @Test func liveOnTheEmbeddedSandboxEventsArriveFilterPauseOpenAndJump() async throws {
        let driver = try Driver(size: Size(width: 100, height: 30)) { $0.environment["B24_SANDBOX_ACTIVITY"] = "40" }
        defer { Task { await driver.quit() } }
        await driver.waitFor("Анна Смирнова (id 1)")
        driver.command("events")
        await driver.waitFor("receiver: ready (http://127.0.0.1:")
        await driver.waitFor("offline: ready")
        driver.press(.char("b"))
        driver.type("ONCRMLEADUPDATE")
        driver.press(.enter)
        await driver.waitFor("ONCRMLEADUPDATE id=")
        driver.press(.char("/"))
        driver.type("LEADUPDATE")
        driver.press(.enter)
        driver.press(.char("p"))
        await driver.waitFor("PAUSED")
        driver.press(.enter)
        await driver.waitFor("Enter: open crm.lead.get")
        driver.press(.enter)
        await driver.waitFor("call crm.lead.get")
        await driver.waitFor("Status    ok")
    }
}
