import B24Client
import B24Sandbox
import B24Wire
import Foundation
import XCTest

/// The offline queue against the sandbox: watching changes nothing, consuming clears only what was handled,
/// the worker's DLQ, stop and restart, and missed-online marking.
final class OfflineQueueTests: XCTestCase {
    /// Adds `count` leads through the webhook and returns their ids.
    private func addLeads(_ env: ClientTestEnvironment, _ count: Int) async throws -> [String] {
        let client = try env.webhookClient()
        var ids: [String] = []
        for index in 0..<count {
            var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": .string("Lead \(index)")]])
            add.confirmWrite = true
            let outcome = await client.call(add)
            ids.append(String(try XCTUnwrap(outcome.value?.intValue)))
        }
        return ids
    }

    private func appWithOfflineBinding(_ env: ClientTestEnvironment) async throws -> B24Client {
        let app = try env.oauthClient(name: "app")
        try await EventBindings(client: app).bind(event: "ONCRMLEADADD", offline: true, handler: nil, authConnector: nil)
        return app
    }

    private func entityIDs(_ records: [JSONValue]) -> [String] {
        records.compactMap { $0["EVENT_DATA"]?["FIELDS"]?["ID"]?.stringValue }
    }

    func testWatchingTheQueueChangesNothingOnThePortal() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let app = try await appWithOfflineBinding(env)
        let ids = try await addLeads(env, 3)
        var options = EventTail.Options()
        options.receiver = nil
        options.pollInterval = 0.1
        let tail = EventTail(client: app, store: try app.store(), authStore: nil, options: options)
        try await tail.start()
        var seen: [String] = []
        for await item in tail.items {
            if case .event(let event) = item, let id = event.entityID { seen.append(id) }
            if seen.count == 3 { break }
        }
        try await Task.sleep(nanoseconds: 400_000_000)  // a few more polls
        await tail.stop()
        XCTAssertEqual(seen.sorted(), ids.sorted())
        let records = try await OfflineQueue(client: app).list()
        XCTAssertEqual(entityIDs(records).sorted(), ids.sorted(), "watching must leave every record in the queue")
        XCTAssertTrue(records.allSatisfy { $0["PROCESS_ID"]?.stringValue == "" }, "watching must reserve nothing")
    }

    func testConsumeClearsOnlyTheHandledMessageIDs() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let app = try await appWithOfflineBinding(env)
        _ = try await addLeads(env, 5)
        let queue = OfflineQueue(client: app)
        let (processID, records) = try await queue.reserve(limit: 10)
        XCTAssertEqual(records.count, 5)
        let handled = records.prefix(2).compactMap { $0["MESSAGE_ID"]?.stringValue }
        try await queue.clear(processID: try XCTUnwrap(processID), messageIDs: handled)
        let left = try await queue.list()
        XCTAssertEqual(left.count, 3)
        XCTAssertTrue(left.allSatisfy { !handled.contains($0["MESSAGE_ID"]?.stringValue ?? "") })
        XCTAssertTrue(left.allSatisfy { $0["PROCESS_ID"]?.stringValue == processID }, "the rest stays reserved")
    }

    func testWorkerStoppedMidBatchLeavesTheRestReservedAndTheNextRunFinishesExactlyOnce() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let app = try await appWithOfflineBinding(env)
        let ids = try await addLeads(env, 6)
        let sink = env.root.appendingPathComponent("events.jsonl").path
        let store = try app.store()
        var options = OfflineWorker.Options(target: .sink(sink))
        options.once = true
        let first = try OfflineWorker(queue: OfflineQueue(client: app), store: store, options: options)
        let counters = try await first.run { counters in if counters.handled == 2 { first.requestStop() } }
        XCTAssertEqual(counters.handled, 2)
        XCTAssertEqual(counters.leftReserved, 4)
        let left = try await OfflineQueue(client: app).list()
        XCTAssertEqual(left.count, 4, "only the handled events are cleared")
        XCTAssertTrue(left.allSatisfy { !($0["PROCESS_ID"]?.stringValue ?? "").isEmpty })
        // A half-written line after the last commit (a crash mid-write) is cut on the next start.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: sink))
        handle.seekToEndOfFile()
        handle.write(Data("{\"dedup_key\":\"half".utf8))
        try handle.close()
        let second = try OfflineWorker(queue: OfflineQueue(client: app), store: store, options: options)
        let more = try await second.run()
        XCTAssertEqual(more.handled, 4)
        let lines = try String(contentsOfFile: sink, encoding: .utf8).split(separator: "\n")
        let written = try lines.map { try JSONParser.parse(String($0))["record"]?["EVENT_DATA"]?["FIELDS"]?["ID"]?.stringValue ?? "" }
        XCTAssertEqual(written.sorted(), ids.sorted(), "every event once, the half line gone")
        let rest = try await OfflineQueue(client: app).list()
        XCTAssertEqual(rest.count, 0)
    }

    func testFailingEventsAreRetriedThenDeadLetteredReportedAndCleared() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let app = try await appWithOfflineBinding(env)
        let ids = try await addLeads(env, 3)
        let log = env.root.appendingPathComponent("handled.txt").path
        // The handler refuses the second lead every time, and takes the others.
        let command = "input=$(cat); case \"$input\" in *'\"ID\":\"\(ids[1])\"'*) exit 3;; esac; echo \"$B24_EVENT_KEY\" >> \(log)"
        var options = OfflineWorker.Options(target: .handler(command))
        options.once = true
        options.maxAttempts = 3
        options.backoff = 0.01
        let store = try app.store()
        let counters = try await OfflineWorker(queue: OfflineQueue(client: app), store: store, options: options).run()
        XCTAssertEqual(counters.handled, 2)
        XCTAssertEqual(counters.retries, 2)
        XCTAssertEqual(counters.deadLettered, 1)
        let letters = try store.deadLetters()
        XCTAssertEqual(letters.count, 1)
        XCTAssertEqual(letters.first?.record["EVENT_DATA"]?["FIELDS"]?["ID"]?.stringValue, ids[1])
        XCTAssertEqual(letters.first?.lastError, "the handler exited with status 3")
        let keys = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(keys.count, 2)
        XCTAssertTrue(keys.allSatisfy { $0.count == 64 }, "the handler sees the dedup key")
        let left = try await OfflineQueue(client: app).list()
        XCTAssertEqual(left.count, 0, "the dead letter was reported and cleared from the portal")
        // Retried with a handler that takes it, it leaves the DLQ.
        let retried = try await DeadLetterRetry.retry(letters[0], target: .handler("cat > /dev/null"), store: store)
        XCTAssertTrue(retried)
        XCTAssertEqual(try store.deadLetterCount(), 0)
    }

    func testAnOfflineRecordWhoseOnlineDeliveryWasLostIsMarkedMissedOnline() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        try env.saveOAuthProfile(name: "app")
        let authStore = AuthStore(paths: env.paths)
        try authStore.setEventTrust(profile: "app", applicationToken: Secret(env.sandbox.applicationToken),
                                    memberID: env.sandbox.memberID)
        let app = try B24Client(profile: ResolvedProfile(profile: try authStore.profile(named: "app"), isSaved: true),
                                paths: env.paths, options: ClientTestEnvironment.fastOptions())
        var options = EventTail.Options()
        options.pollInterval = 0.2
        options.missedGrace = 0.5
        let tail = EventTail(client: app, store: try app.store(), authStore: authStore, options: options)
        let started = try await tail.start()
        let url = try XCTUnwrap(started)
        let bindings = EventBindings(client: app)
        try await bindings.bind(event: "ONCRMLEADADD", offline: false, handler: url.absoluteString, authConnector: nil)
        try await bindings.bind(event: "ONCRMLEADADD", offline: true, handler: nil, authConnector: nil)
        env.sandbox.dropOnlineDeliveries(1, event: "ONCRMLEADADD")
        let ids = try await addLeads(env, 3)  // the first one's online delivery is lost
        var missed: [String] = []
        var online: [String] = []
        let deadline = Date().addingTimeInterval(15)
        for await item in tail.items {
            switch item {
            case .missedOnline(let event): missed.append(event.entityID ?? "")
            case .event(let event) where event.source == .online: online.append(event.entityID ?? "")
            default: break
            }
            if missed.count >= 1 && online.count >= 2 || Date() > deadline { break }
        }
        // One more grace period: nothing else may be marked.
        try await Task.sleep(nanoseconds: 1_000_000_000)
        await tail.stop()
        XCTAssertEqual(online.sorted(), Array(ids.dropFirst()).sorted())
        XCTAssertEqual(missed, [ids[0]])
        let stored = try app.store().events(profile: "app", limit: 100)
        XCTAssertEqual(stored.filter(\.missedOnline).map(\.entityID), [ids[0]])
        XCTAssertEqual(EventFields.readBack(event: "ONCRMLEADADD", entityID: ids[0])?.method, "crm.lead.get")
    }
}
