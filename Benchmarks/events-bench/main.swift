// Events benchmark (Benchmarks/events.sh runs it in release): receiver ingest over loopback with the console's
// per-key latency measured during the load; a million events through the events screen (peak memory); the offline
// worker's throughput through the sandbox's queue against its leaky bucket's ideal. Prints figures; no assertions.
import AsyncHTTPClient
import B24Client
import B24Console
import B24Sandbox
import B24Wire
import Foundation
import NIOCore
import TerminalKit

let arguments = CommandLine.arguments.dropFirst()
let ingestCount = Int(arguments.first ?? "") ?? 20_000
let screenCount = Int(arguments.dropFirst().first ?? "") ?? 1_000_000
let workerCount = Int(arguments.dropFirst(2).first ?? "") ?? 2_000

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func peakMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let sorted = xs.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func set() { lock.withLock { raised = true } }
    var value: Bool { lock.withLock { raised } }
}

final class Pending: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [TailItem] = []
    func add(_ item: TailItem) { lock.withLock { items.append(item) } }
    func take() -> [TailItem] { lock.withLock { defer { items = [] }; return items } }
}

let root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-events-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: root) }
let paths = B24Paths(configDirectory: root.appendingPathComponent("config"), stateDirectory: root.appendingPathComponent("state"))
var sandboxOptions = SandboxOptions()
sandboxOptions.bucketSetting = .off
sandboxOptions.operatingLimitSeconds = nil
let sandbox = try await Sandbox.start(sandboxOptions)

func appClient(bucket: String) throws -> B24Client {
    let tokens = sandbox.issueTokens(userID: 1)
    var oauth = OAuthAuth(clientID: sandbox.oauthClientID, clientSecret: Secret(sandbox.oauthClientSecret), oauthServer: sandbox.oauthServerURL)
    oauth.accessToken = Secret(tokens.access)
    oauth.refreshToken = Secret(tokens.refresh)
    oauth.expiresAt = Date().addingTimeInterval(3600)
    var profile = Profile(name: "bench", portal: sandbox.baseURL, auth: .oauth(oauth))
    profile.events = EventTrust(applicationToken: Secret(sandbox.applicationToken), memberID: sandbox.memberID)
    var options = ClientOptions()
    options.bucket = bucket
    options.audit = false
    options.history = false
    return try B24Client(profile: ResolvedProfile(profile: profile, isSaved: false), paths: paths, options: options)
}

// MARK: 1. Receiver ingest, with the console's key latency during the load

do {
    let client = try appClient(bucket: "1000/1000")
    let store = try client.store()
    let receiver = EventReceiver(profile: client.profile, store: store, authStore: nil)
    let url = try await receiver.start().absoluteString
    let pending = Pending()
    let forward = Task { for await notice in receiver.notices { if case .accepted(let event) = notice { pending.add(.event(event)) } } }
    var state = ConsoleState(catalog: .bundled, keymap: ConsoleKeymap.defaults, theme: .default, size: Size(width: 120, height: 40))
    state.connection = ConnectionInfo(profile: "bench", portal: "http://127.0.0.1", auth: "oauth")
    _ = reduce(&state, .command("events"))
    let tailID = EffectID(owner: .page(state.page.id), generation: state.generation, name: "tail")
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    let body = { (i: Int) -> String in
        PHPForm.encode(["event": "ONCRMLEADUPDATE", "event_handler_id": "1", "data": ["FIELDS": ["ID": .string(String(i))]],
                        "ts": "1742807175", "auth": ["member_id": .string(sandbox.memberID), "application_token": .string(sandbox.applicationToken)]])
    }
    let started = now()
    let workers = 16
    let finished = Flag()
    let load = Task {
        await withTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var i = w
                    while i < ingestCount {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                        request.body = .bytes(ByteBuffer(string: body(i)))
                        if let response = try? await http.execute(request, timeout: .seconds(30)) {
                            _ = try? await response.body.collect(upTo: 1024)
                        }
                        i += workers
                    }
                }
            }
        }
        finished.set()
    }
    // The console's loop: every 20 ms a key arrives; what queued is drained first, then the key, then one frame.
    var latencies: [Double] = []
    var lastPrint = now()
    while !finished.value {
        let arrived = now()
        for item in pending.take() { _ = reduce(&state, .answered(tailID, .streamed(.tail(item)))) }
        _ = reduce(&state, .key(.up))
        _ = render(state, size: Size(width: 120, height: 40))
        latencies.append(Double(now() - arrived) / 1e6)
        if now() - lastPrint > 1_000_000_000 {
            lastPrint = now()
            print(String(format: "  during load: key latency p50 %.2f ms, max so far %.2f ms", percentile(latencies, 0.5), latencies.max() ?? 0))
        }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    await load.value
    let seconds = Double(now() - started) / 1e9
    let stored = try store.events(profile: "bench", limit: ingestCount + 10).count
    print(String(format: "receiver ingest: %d events in %.2f s = %.0f events/s (goal ≥ 5000/s), %d stored; key latency during load p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d keys)",
                 ingestCount, seconds, Double(ingestCount) / seconds, stored, percentile(latencies, 0.5), percentile(latencies, 0.99),
                 latencies.max() ?? 0, latencies.count))
    forward.cancel()
    await receiver.stop()
    try await http.shutdown()
}

// MARK: 2. A million events through the events screen

do {
    var state = ConsoleState(catalog: .bundled, keymap: ConsoleKeymap.defaults, theme: .default, size: Size(width: 120, height: 40))
    state.connection = ConnectionInfo(profile: "bench", portal: "http://127.0.0.1", auth: "oauth")
    _ = reduce(&state, .command("events"))
    let tailID = EffectID(owner: .page(state.page.id), generation: state.generation, name: "tail")
    let before = peakMB()
    let started = now()
    let base = Date()
    for i in 0..<screenCount {
        let event = ReceivedEvent(id: Int64(i + 1), source: i % 10 == 0 ? .offline : .online, receivedAt: base.addingTimeInterval(Double(i) / 5000),
                                  event: "ONCRMDEALUPDATE", entityID: String(i),
                                  payload: ["event": "ONCRMDEALUPDATE", "data": ["FIELDS": ["ID": .string(String(i)), "TITLE": "Сделка"]]])
        _ = reduce(&state, .answered(tailID, .streamed(.tail(.event(event)))))
        if i % 10_000 == 0 { _ = render(state, size: Size(width: 120, height: 40)) }
    }
    let seconds = Double(now() - started) / 1e9
    let counters = render(state, size: Size(width: 120, height: 40)).text.split(separator: "\n").first { $0.contains("dropped from view") } ?? ""
    print(String(format: "1 000 000 through the screen: %d events in %.1f s (%.0f/s); peak RSS %.0f MB (%.0f MB before; goal ≤ 200 MB); screen says: ",
                 screenCount, seconds, Double(screenCount) / seconds, peakMB(), before) + counters.trimmingCharacters(in: .whitespaces))
}

// MARK: 3. Worker throughput against the bucket's ideal

do {
    let producer = try appClient(bucket: "1000/1000")
    try await EventBindings(client: producer).bind(event: "ONCRMLEADADD", offline: true, handler: nil, authConnector: nil)
    var made = 0
    while made < workerCount {
        var commands: JSONObject = [:]
        for i in 0..<min(50, workerCount - made) { commands["c\(i)"] = .string("crm.lead.add?fields[TITLE]=Bench%20\(made + i)") }
        var request = CallRequest(method: "batch", params: ["halt": 0, "cmd": .object(commands)])
        request.confirmWrite = true
        request.recording = .none
        let outcome = await producer.call(request)
        made += outcome.value?["result"]?.objectValue?.count ?? 0
    }
    let burst = 10, rate = 5.0, batch = 50
    let client = try appClient(bucket: "\(burst)/\(Int(rate))")
    let before = sandbox.stats.totalRequests
    var options = OfflineWorker.Options(target: .sink(root.appendingPathComponent("bench.jsonl").path))
    options.once = true
    options.batch = batch
    let started = now()
    let counters = try await OfflineWorker(queue: OfflineQueue(client: client), store: try client.store(), options: options).run()
    let seconds = Double(now() - started) / 1e9
    let calls = sandbox.stats.totalRequests - before
    let ideal = Double(max(0, calls - burst)) / rate
    print(String(format: "worker: %d events in %.2f s = %.0f events/s with %d calls on a %d/%.0f bucket (batch %d); the bucket's ideal for those calls %.2f s = %.0f events/s; ratio %.2f",
                 counters.handled, seconds, Double(counters.handled) / seconds, calls, burst, rate, batch, ideal,
                 Double(counters.handled) / max(ideal, 0.001), Double(counters.handled) / seconds / (Double(counters.handled) / max(ideal, 0.001))))
}
await sandbox.stop()
