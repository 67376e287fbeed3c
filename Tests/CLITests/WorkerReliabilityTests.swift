import B24Sandbox
import B24Wire
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `b24 worker` killed with SIGKILL at random points while events flow into the sandbox's offline queue.
///
/// B24_RELIABILITY_EVENTS sets the number of events (default 600, so the suite stays quick;
/// Benchmarks/worker-reliability.sh runs it with 10 000).
@Suite("The offline worker under SIGKILL", .serialized)
struct WorkerReliabilityTests {
    static var eventCount: Int {
        Int(ProcessInfo.processInfo.environment["B24_RELIABILITY_EVENTS"] ?? "") ?? 600
    }

    /// A CLI environment whose b24 runs as the sandbox's OAuth app (the seed's variables), with ONCRMLEADADD bound
    /// to the offline queue.
    private func appEnvironment() async throws -> CLIEnvironment {
        let env = try await CLIEnvironment()
        let tokens = env.sandbox.issueTokens(userID: 1)
        env.environment.merge([
            "B24_DOMAIN": env.sandbox.baseURL.absoluteString, "B24_AUTH_MODE": "oauth",
            "B24_ACCESS_TOKEN": tokens.access, "B24_REFRESH_TOKEN": tokens.refresh,
            "B24_CLIENT_ID": env.sandbox.oauthClientID, "B24_CLIENT_SECRET": env.sandbox.oauthClientSecret,
        ]) { $1 }
        let bound = try await env.run(["events", "bind", "ONCRMLEADADD", "--offline"])
        try #require(bound.status == 0, "\(bound.stderr)")
        return env
    }

    /// Adds leads through the admin webhook, 50 per batch call, pausing between batches; returns their ids.
    private static func produce(_ env: CLIEnvironment, count: Int) async throws -> [String] {
        var ids: [String] = []
        let url = env.sandbox.adminWebhookURL.appendingPathComponent("batch.json")
        while ids.count < count {
            let size = min(50, count - ids.count)
            var commands: JSONObject = [:]
            for index in 0..<size { commands["c\(index)"] = .string("crm.lead.add?fields[TITLE]=Lead%20\(ids.count + index)") }
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(JSONWriter.compact(["halt": 0, "cmd": .object(commands)]).utf8)
            let (data, _) = try await URLSession(configuration: .ephemeral).data(for: request)
            let results = try JSONParser.parse(String(decoding: data, as: UTF8.self))["result"]?["result"]?.objectValue ?? [:]
            ids += results.values.compactMap { $0.intValue.map(String.init) }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return ids
    }

    /// Runs `b24 worker ARGS` again and again, killing it with SIGKILL after a random 0.1-0.6 s, while the events
    /// are produced; then one last run with --once drains the queue. Returns the lead ids and the kill count.
    private func runWithKills(_ env: CLIEnvironment, _ arguments: [String]) async throws -> (ids: [String], kills: Int) {
        let count = Self.eventCount
        let produced = Locked<Result<[String], Error>?>(nil)
        let producer = Task {
            do { produced.set(.success(try await Self.produce(env, count: count))) } catch { produced.set(.failure(error)) }
        }
        defer { producer.cancel() }
        var kills = 0
        var ids: [String]?
        while ids == nil || kills < 8 {
            try #require(kills < 500, "the producer never finished")
            let process = Process()
            process.executableURL = CLIEnvironment.binary
            process.arguments = ["worker", "--sleep", "0.05"] + arguments
            process.environment = env.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(nanoseconds: UInt64.random(in: 100_000_000...600_000_000))
            kill(process.processIdentifier, SIGKILL)
            await offPool { process.waitUntilExit() }
            kills += 1
            // Stop killing once every event exists and a few kills happened.
            if ids == nil, let result = produced.value { ids = try result.get() }
        }
        let last = try await env.run(["worker", "--once", "--sleep", "0.05"] + arguments)
        #expect(last.status == 0, "\(last.stderr)")
        let queue = try await env.run(["call", "event.offline.list", "--json"])
        let left = try JSONParser.parse(queue.stdout)["total"]?.intValue ?? -1
        #expect(left == 0, "nothing may be left in the queue: \(queue.stdout.prefix(300))")
        return (ids ?? [], kills)
    }

    private static func leadIDs(inLines text: String, path: [String]) -> [String] {
        text.split(separator: "\n").compactMap { line in
            var value = try? JSONParser.parse(String(line))
            for key in path { value = value?[key] }
            return value?.stringValue
        }
    }

    @Test("--sink: killed at random points, every event lands in the sink exactly once")
    func sinkSurvivesKills() async throws {
        let env = try await appEnvironment()
        defer { Task { await env.stop() } }
        let sink = env.root.appendingPathComponent("events.jsonl").path
        let (ids, kills) = try await runWithKills(env, ["--sink", sink])
        let seen = Self.leadIDs(inLines: (try? String(contentsOfFile: sink, encoding: .utf8)) ?? "",
                                path: ["record", "EVENT_DATA", "FIELDS", "ID"])
        let lost = Set(ids).subtracting(seen).count
        let duplicates = seen.count - Set(seen).count
        print("worker --sink: events \(ids.count), kills \(kills), lost \(lost), duplicates \(duplicates)")
        #expect(ids.count == Self.eventCount)
        #expect(lost == 0)
        #expect(duplicates == 0)
        #expect(Set(seen) == Set(ids))
    }

    @Test("--handler: killed at random points, nothing is lost; repeats stay within one per kill, none with the key")
    func handlerSurvivesKills() async throws {
        let env = try await appEnvironment()
        defer { Task { await env.stop() } }
        let plain = env.root.appendingPathComponent("plain.jsonl").path
        let keyed = env.root.appendingPathComponent("keyed.jsonl").path
        let keys = env.root.appendingPathComponent("keys.txt").path
        // Two handlers in one: a plain one that records every call, and one that uses the dedup key to skip a repeat.
        let handler = """
            input=$(cat); printf '%s\\n' "$input" >> \(plain); \
            flock \(keys).lock sh -c 'grep -qx "$B24_EVENT_KEY" \(keys) 2>/dev/null || { printf "%s\\n" "$1" >> \(keyed); printf "%s\\n" "$B24_EVENT_KEY" >> \(keys); }' sh "$input"
            """
        let (ids, kills) = try await runWithKills(env, ["--handler", handler])
        let plainIDs = Self.leadIDs(inLines: (try? String(contentsOfFile: plain, encoding: .utf8)) ?? "",
                                    path: ["EVENT_DATA", "FIELDS", "ID"])
        let keyedIDs = Self.leadIDs(inLines: (try? String(contentsOfFile: keyed, encoding: .utf8)) ?? "",
                                    path: ["EVENT_DATA", "FIELDS", "ID"])
        let lost = Set(ids).subtracting(plainIDs).count
        let duplicates = plainIDs.count - Set(plainIDs).count
        let keyedDuplicates = keyedIDs.count - Set(keyedIDs).count
        print("worker --handler: events \(ids.count), kills \(kills), lost \(lost), duplicates \(duplicates) "
              + "(with the dedup key \(keyedDuplicates))")
        #expect(ids.count == Self.eventCount)
        #expect(lost == 0)
        #expect(Set(keyedIDs) == Set(ids))
        #expect(duplicates <= kills)
        #expect(keyedDuplicates == 0)
    }
}

/// A value shared between tasks.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
}
