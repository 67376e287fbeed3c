@testable import B24Console
@testable import B24Client
import B24Sandbox
import B24Wire
import Foundation
import TerminalKit
import Testing

/// Effects with ids: answers reach only the page and connection that asked; work can be cancelled.
@Suite("Effects: ids, stale answers, cancellation, ordering")
struct EffectTests {
    func trace(_ method: String) -> CallTrace {
        CallTrace(profile: "p", method: method, apiVersion: .v2, risk: "read",
                  request: .init(httpMethod: "POST", url: "http://x/rest/1/****/\(method)", params: .emptyObject))
    }

    func user(_ name: String) -> CallOutcome {
        CallOutcome(trace: trace("user.current"), result: .success(["result": ["ID": "7", "NAME": .string(name)]]))
    }

    @Test func answersForAReplacedConnectionAreDropped() {
        var state = ConsoleState()
        _ = reduce(&state, .start)
        let old = ConnectionInfo(profile: "slow", portal: "https://old.example", auth: "webhook")
        let oldCalls = reduce(&state, .connected(old, profiles: [], generation: state.generation))
        var oldUser: EffectID?
        for case .call(let id, let request) in oldCalls where request.method == "user.current" { oldUser = id }
        // The user switches profile while user.current is still on its way.
        let switching = reduce(&state, .command("profile sandbox"))
        #expect(switching.map(\.summary) == ["connect sandbox"])
        // The old portal answers late: nothing of it reaches the screen.
        _ = reduce(&state, .answered(try! #require(oldUser), .call(user("Старый"))))
        #expect(state.live.user == .loading)
        // A late "connected" of the old connection is dropped too.
        _ = reduce(&state, .connected(old, profiles: [], generation: state.generation - 1))
        #expect(state.connectionState == .loading)
        let new = ConnectionInfo(profile: "sandbox", portal: "http://127.0.0.1:1", auth: "webhook", isSandbox: true)
        let newCalls = reduce(&state, .connected(new, profiles: [], generation: state.generation))
        var newUser: EffectID?
        for case .call(let id, let request) in newCalls where request.method == "user.current" { newUser = id }
        _ = reduce(&state, .answered(try! #require(newUser), .call(user("Новый"))))
        #expect(state.live.user == .loaded("Новый (id 7)"))
        #expect(state.connection?.portal == "http://127.0.0.1:1")
    }

    @Test func answersReachTheirPageUntilItClosesAndClosingCancelsItsWork() {
        var state = Fixture.connected()
        let probe = Page(id: state.nextPageID, screen: ProbeScreen())
        state.nextPageID += 1
        state.stack.append(probe)
        let started = resolve(&state, [.call(.mine("probe"), CallRequest(method: "server.time"))], page: probe.id)
        guard case .call(let id, _)? = started.first else {
            Issue.record("expected a call, got \(started.map(\.summary))")
            return
        }
        // Streamed messages and the answer reach the page that asked.
        _ = reduce(&state, .answered(id, .ended(nil)))
        #expect((state.page.screen as? ProbeScreen)?.received == ["probe"])
        // Another page's answer does not.
        _ = reduce(&state, .answered(EffectID(owner: .page(probe.id + 100), generation: state.generation, name: "other"), .ended(nil)))
        #expect((state.page.screen as? ProbeScreen)?.received == ["probe"])
        // A page that closes with work under way cancels it; one without work cancels nothing.
        _ = resolve(&state, [.call(.mine("again"), CallRequest(method: "server.time"))], page: probe.id)
        #expect(Fixture.keys(&state, .escape).map(\.summary) == ["cancel page \(probe.id)"])
        Fixture.apply(&state, .open(.packs))
        #expect(Fixture.keys(&state, .escape).isEmpty)
        // Too late: the page is gone; the answer goes nowhere and changes nothing.
        let after = state.stack
        #expect(reduce(&state, .answered(EffectID(owner: .page(probe.id), generation: state.generation, name: "again"), .ended(nil))).isEmpty)
        #expect(state.stack == after)
        #expect(state.pageWork.isEmpty)
    }

    @Test func nothingIsAskedOfAPortalWhileSwitchingAwayFromIt() {
        var state = Fixture.connected()
        #expect(reduce(&state, .command("profile main")).map(\.summary) == ["connect main"])
        // While main connects: opening a method, F5 and the heartbeat ask the old portal nothing.
        #expect(reduce(&state, .command("method crm.lead.list")).isEmpty)
        #expect(Fixture.keys(&state, KeyEvent(.function(5))).isEmpty)
        #expect(reduce(&state, .tick).map(\.summary) == ["schedule 2.0"])
        #expect(state.live.availability["crm.lead.list"] == nil)
        #expect(statusRight(state).hasPrefix("connecting…"))
        // Once main is up, the page on screen asks the new portal.
        let info = ConnectionInfo(profile: "main", portal: "https://example.bitrix24.ru", auth: "webhook")
        let effects = reduce(&state, .connected(info, profiles: state.profiles, generation: state.generation))
        #expect(effects.map(\.summary).contains("call method.get"))
        #expect(effects.allSatisfy { if case .call(let id, _) = $0 { return id.generation == state.generation } else { return true } })
    }

    @Test func theLimiterLevelOfAReplacedConnectionIsDropped() {
        var state = Fixture.connected()
        let old = state.generation
        _ = reduce(&state, .command("profile main"))
        _ = reduce(&state, .limiterRead(.success("49.0 of 48 requests in the bucket"), generation: old))
        #expect(state.live.limiter == Fixture.connected().live.limiter)
    }

    @Test func screensStampTheirOwnEffectsWithPageAndGeneration() {
        var state = Fixture.connected()
        state.generation = 4
        Fixture.apply(&state, .open(.packs))
        let effects = resolve(&state, [.call(.mine("probe"), CallRequest(method: "server.time")), .cancel(.mine("probe"))], page: state.page.id)
        guard case .call(let id, _) = effects.first, case .cancel(let cancelled) = effects.last else {
            Issue.record("expected a call and a cancel, got \(effects.map(\.summary))")
            return
        }
        #expect(id == EffectID(owner: .page(state.page.id), generation: 4, name: "probe"))
        #expect(cancelled == id)
    }

    @Test func theRunnerCancelsByIdByPageAndByOlderConnection() async throws {
        let runner = EffectRunner()
        let stopped = Counter()
        func sleeper(_ id: EffectID) {
            runner.start(id, post: { _ in }) { _ in
                do { try await Task.sleep(nanoseconds: 30_000_000_000) } catch { stopped.add() }
            }
        }
        let a = EffectID(owner: .page(1), generation: 1, name: "a")
        let b = EffectID(owner: .page(2), generation: 1, name: "b")
        let c = EffectID(owner: .root(.scopes), generation: 1, name: "c")
        let d = EffectID(owner: .root(.scopes), generation: 2, name: "d")
        for id in [a, b, c, d] { sleeper(id) }
        #expect(Set(runner.running) == [a, b, c, d])
        runner.cancel { $0 == a }
        runner.cancel { $0.owner == .page(2) }
        runner.cancel { $0.generation < 2 }
        #expect(runner.running == [d])
        try await waitUntil { stopped.value == 3 }
        runner.cancel { _ in true }
        try await waitUntil { stopped.value == 4 }
    }

    @Test func answersAreHandedOutBeforeKeys() async {
        let queue = ActionQueue()
        queue.post(.key(.char("j")))
        queue.post(.limiterRead(.success("level"), generation: 0))
        queue.post(.key(.enter))
        queue.post(.tick)
        let batch = await queue.drain()
        let kinds = batch.map { action -> String in
            switch action {
            case .key(let key): return "key \(key)"
            case .limiterRead: return "limiter"
            case .tick: return "tick"
            default: return "other"
            }
        }
        #expect(kinds == ["limiter", "tick", "key j", "key enter"])
    }
}

/// A thread-safe count.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Polls `condition` every 10 ms for up to 5 s.
func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0 ..< 500 {
        if condition() { return }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
    Issue.record("condition not met within 5 s", sourceLocation: sourceLocation)
}

@Suite("Switching profile while the old portal is still answering", .serialized)
struct ProfileSwitchTests {
    @Test func aSlowOlderConnectNeverReplacesANewerOne() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-connects-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let other = try await Sandbox.start(SandboxOptions())
        defer { Task { await other.stop() } }
        let launch = ConsoleLaunch(environment: [
            "HOME": root.path, "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
        ])
        let parsed = try WebhookAuth.parse(other.adminWebhookURL.absoluteString)
        try AuthStore(paths: B24Paths.fromEnvironment(launch.environment))
            .add(Profile(name: "other", portal: parsed.portal, auth: .webhook(parsed.auth)))
        let services = ConsoleServices(launch: launch)
        // Connection 3 (the sandbox) finishes first; connection 2 ("other"), asked earlier, finishes later.
        guard case .connected(let newer, _, 3) = await services.connect(profile: "sandbox", generation: 3) else {
            Issue.record("sandbox did not connect")
            return
        }
        let late = await services.connect(profile: "other", generation: 2)
        if case .connected = late { Issue.record("an older connect reported itself connected") }
        #expect(services.currentClient?.profile.portal.port == URL(string: newer.portal)?.port)
        // Calls of connection 2 go nowhere; calls of connection 3 reach the sandbox.
        #expect(await services.call(CallRequest(method: "server.time"), generation: 2) == nil)
        #expect(await services.call(CallRequest(method: "server.time"), generation: 3)?.value != nil)
        #expect(other.stats.totalRequests == 0)
        await services.shutdown()
    }

    @Test func nothingFromTheOldPortalReachesTheScreen() async throws {
        // A portal that takes 3 s over every answer, reached through its crm-only webhook (user 3, scope crm).
        var options = SandboxOptions()
        options.faults = try FaultSpec(parsing: "slow:1@3s")
        let slow = try await Sandbox.start(options)
        defer { Task { await slow.stop() } }
        let driver = try Driver(launch: { $0.profile = "slowportal" }) { launch in
            let parsed = try WebhookAuth.parse(slow.crmWebhookURL.absoluteString)
            let profile = Profile(name: "slowportal", portal: parsed.portal, auth: .webhook(parsed.auth))
            try AuthStore(paths: B24Paths.fromEnvironment(launch.environment)).add(profile, makeDefault: true)
        }
        await driver.waitFor("slowportal")
        await driver.waitFor("loading…")
        driver.command("profile sandbox")
        await driver.waitFor("Анна Смирнова (id 1)")
        // The slow portal's answers are due now; wait past them.
        try await Task.sleep(nanoseconds: 4_000_000_000)
        let screen = await driver.screen().text
        #expect(screen.contains("Анна Смирнова (id 1)"))
        #expect(screen.contains("ai_admin"), "the sandbox's scopes, not the crm webhook's")
        #expect(!screen.contains("(id 3)"), "\(screen)")
        #expect(!screen.contains("127.0.0.1:\(slow.port)"), "the old portal's address is gone")
        let state = driver.runtime.state
        #expect(state.connection?.isSandbox == true)
        #expect(state.live.scopes.value?.contains("ai_admin") == true)
        #expect(state.live.user == .loaded("Анна Смирнова (id 1)"))
        #expect(driver.runtime.runner.running.allSatisfy { $0.generation == state.generation })
        await driver.quit()
    }
}

/// A screen that records the answers it gets (to see where answers are routed).
struct ProbeScreen: ConsoleScreen, Equatable {
    var received: [String] = []
    var route: Route { .chains("probe") }
    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult { .ignored }
    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        received.append(id.name)
        return []
    }
    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? { nil }
    func hints(_ app: ConsoleState) -> [KeyHint] { [] }
}
