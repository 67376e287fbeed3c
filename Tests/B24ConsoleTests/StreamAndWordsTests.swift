@testable import B24Console
@testable import B24Client
import B24Sandbox
import Foundation
import TerminalKit
import Testing

/// Collects what the runner posts.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [Action] = []
    func post(_ action: Action) { lock.withLock { actions.append(action) } }
    var answers: [(EffectID, Answer)] {
        lock.withLock { actions.compactMap { if case .answered(let id, let answer) = $0 { return (id, answer) } else { return nil } } }
    }
    var events: [CallEvent] {
        answers.compactMap { if case .streamed(.callEvent(let event, _)) = $0.1 { return event } else { return nil } }
    }
}

@Suite("Streams through the runner, and the console's own words", .serialized)
struct StreamAndWordsTests {
    /// Console services connected to a sandbox profile with the given leaky bucket.
    func services(_ sandbox: Sandbox, bucket: String, root: URL) async throws -> ConsoleServices {
        let launch = ConsoleLaunch(profile: "portal", environment: [
            "HOME": root.path, "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
        ])
        let parsed = try WebhookAuth.parse(sandbox.adminWebhookURL.absoluteString)
        try AuthStore(paths: B24Paths.fromEnvironment(launch.environment))
            .add(Profile(name: "portal", portal: parsed.portal, auth: .webhook(parsed.auth), bucket: bucket), makeDefault: true)
        let services = ConsoleServices(launch: launch)
        guard case .connected = await services.connect(profile: nil, generation: 1) else {
            Issue.record("not connected")
            return services
        }
        return services
    }

    @Test func anObservedCallStreamsItsEventsThenItsOutcome() async throws {
        var options = SandboxOptions()
        options.bucketSetting = .off
        let sandbox = try await Sandbox.start(options)
        sandbox.injectFault(.status(503), method: "server.time", count: 1)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-stream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let services = try await services(sandbox, bucket: "1000/1000", root: root)
        let runner = EffectRunner()
        let inbox = Inbox()
        let id = EffectID(owner: .page(3), generation: 1, name: "watch")
        runner.execute(.stream(id, .observedCall(CallRequest(method: "server.time"))), services: services, post: inbox.post)
        try await waitUntil { runner.running.isEmpty }
        // attempt → 503 → backoff wait → attempt → ok, message by message, then the outcome.
        let steps = inbox.events.compactMap { event -> String? in
            switch event {
            case .attemptStarted(let n): return "attempt \(n)"
            case .attemptAnswered(_, let status, _, _, _): return "answered \(status ?? 0)"
            case .waiting(let wait): return "wait \(wait.reason.rawValue)"
            case .finished(let status): return "finished \(status)"
            default: return nil
            }
        }
        #expect(steps == ["attempt 1", "answered 503", "wait backoff", "attempt 2", "answered 200", "finished ok"])
        let answers = inbox.answers
        guard answers.count >= 2, case .call(let outcome) = answers[answers.count - 2].1, case .ended(nil) = answers[answers.count - 1].1 else {
            Issue.record("the stream did not end with the outcome, then its end")
            return
        }
        #expect(outcome.value?.stringValue != nil)
        #expect(inbox.answers.allSatisfy { $0.0 == id })
        await services.shutdown()
        await sandbox.stop()
    }

    @Test func cancellingAStreamEndsItsLimiterWaitAtOnceAndSendsNothing() async throws {
        let sandbox = try await Sandbox.start(SandboxOptions())
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-cancel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        // One usable slot, refilled every 3 s: the second call waits on the limiter.
        let services = try await services(sandbox, bucket: "2/0.33", root: root)
        _ = await services.call(CallRequest(method: "server.time"), generation: 1)
        let sent = sandbox.stats.totalRequests
        let runner = EffectRunner()
        let inbox = Inbox()
        let id = EffectID(owner: .page(5), generation: 1, name: "slow")
        runner.execute(.stream(id, .observedCall(CallRequest(method: "user.current"))), services: services, post: inbox.post)
        try await waitUntil { inbox.events.contains { if case .waiting(let w) = $0 { return w.reason == .limiter && w.seconds > 2 } else { return false } } }
        let start = ContinuousClock.now
        runner.execute(.cancelPage(5), services: services, post: inbox.post)
        // The call itself ends as cancelled and is recorded so (read calls land in the history inbox).
        let history = B24Paths.fromEnvironment(services.launch.environment).databaseFile.path + "-inbox.jsonl"
        try await waitUntil { (try? String(contentsOfFile: history, encoding: .utf8))?.contains("CANCELLED") == true }
        // Well before the wait would have ended (about 3 s), even on a loaded two-core machine.
        #expect(ContinuousClock.now - start < .seconds(2))
        // Past the moment the wait would have ended, nothing has gone out.
        try await Task.sleep(nanoseconds: 3_500_000_000)
        #expect(sandbox.stats.totalRequests == sent, "nothing was sent after the cancel")
        #expect(!inbox.answers.contains { if case .call = $0.1 { return true } else { return false } }, "a cancelled stream posts no outcome")
        #expect(!inbox.events.contains(.finished(status: "cancelled")), "nothing arrives for cancelled work")
        await services.shutdown()
        await sandbox.stop()
    }

    /// Every gate and remedy the client can refuse with.
    static let refusals: [Refusal] = [
        Refusal(gate: .notAllowed, method: "crm.lead.add", risk: .write, remedy: .addPacks(["core"]), selectedPacks: ["comms"]),
        Refusal(gate: .notAllowed, method: "x.custom.run", risk: .write, remedy: .allowMethod("x.custom.run"), selectedPacks: []),
        Refusal(gate: .readOnlyProfile, method: "crm.lead.add", risk: .write, profile: "main"),
        Refusal(gate: .readOnlyRun, method: "crm.lead.delete", risk: .destructive),
        Refusal(gate: .confirmation, method: "crm.lead.add", risk: .write, remedy: .confirmWrite),
        Refusal(gate: .confirmation, method: "crm.lead.delete", risk: .destructive, remedy: .confirmDestructive),
        Refusal(gate: .planRequired, method: "crm.lead.add", risk: .write, remedy: .makePlan),
        Refusal(gate: .nestedBatch, method: "batch"),
        Refusal(gate: .operatingBudget, method: "crm.lead.list", risk: .read, remedy: .waitForReset(seconds: 42)),
    ]

    @Test(arguments: refusals)
    func refusalsNameNoCommandLineFlag(refusal: Refusal) {
        let words = ConsoleWords.refusal(refusal)
        #expect(!words.contains("--"), "\(words)")
        #expect(words.contains(refusal.method) || refusal.gate == .nestedBatch, "\(words)")
        #expect(refusal.cliText.contains("--") || refusal.gate == .nestedBatch || refusal.gate == .readOnlyProfile,
                "the CLI's words are the flags: \(refusal.cliText)")
    }

    @Test(arguments: ["QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "insufficient_scope", "WRONG_AUTH_TYPE", "NO_AUTH_FOUND",
                      "expired_token", "invalid_token", "ERROR_METHOD_NOT_FOUND", "ACCESS_DENIED", ""])
    func portalErrorsNameNoCommandLineFlag(code: String) {
        let error = B24Error.portal(PortalError(code: code, message: "the portal's words", httpStatus: 400))
        let words = ConsoleWords.error(error)
        #expect(!words.contains("--"), "\(words)")
        #expect(words.contains("the portal's words") && words.contains(code.isEmpty ? "(empty code)" : code))
    }

    @Test func anUnconfirmedWriteIsRefusedInTheConsolesWords() async throws {
        var options = SandboxOptions()
        options.bucketSetting = .off
        let sandbox = try await Sandbox.start(options)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-words-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let services = try await services(sandbox, bucket: "1000/1000", root: root)
        let outcome = try #require(await services.call(CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "x"]]), generation: 1))
        guard case .failure(let error) = outcome.result, case .refused(let refusal) = error else {
            Issue.record("expected a refusal, got \(outcome.result)")
            return
        }
        #expect(refusal.gate == .confirmation)
        let text = ConsoleWords.error(error)
        #expect(text == "blocked: crm.lead.add changes data (write): it is sent only after you confirm the payload — e opens it in its form, ctrl+g sends")
        // The console shows what its calls brought through the same words (here as a method's availability).
        var state = Fixture.connected()
        _ = reduce(&state, .answered(EffectID(owner: .root(.availability("crm.lead.add")), generation: state.generation, name: "method.get"),
                                     .call(outcome)))
        #expect(state.live.availability["crm.lead.add"] == .failed(text))
        #expect(!text.contains("--confirm-write"))
        #expect(error.message.contains("--confirm-write"))  // the CLI's words for the same refusal
        #expect(sandbox.stats.calls("crm.lead.add") == 0)
        await services.shutdown()
        await sandbox.stop()
    }
}
