// Inspector benchmark: a 20 MB list answer (Cyrillic leads with multifields) shown in the response inspector,
// driven through the reducer and drawn on a virtual terminal exactly as the console does: first paint (the
// answer arrives → the frame is on the terminal), each scroll key (reduce + render + diff + draw), the raw view,
// search and path filter, and the peak memory while all of that happens. The same steps for a 1 KB answer in the
// same run are the baseline of the ratios. No assertions. Run: Benchmarks/inspector-large.sh (release build).
import B24Client
import B24Console
import B24Wire
import Foundation
import TerminalKit

let targetBytes = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 20_000_000
let size = Size(width: 120, height: 40)

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func ms(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }
func median(_ xs: [UInt64]) -> Double { ms(xs.sorted()[xs.count / 2]) }

/// Resident and peak resident memory of this process, in bytes (Linux /proc).
func memory() -> (rss: Int, peak: Int) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Int {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "") ?? 0) * 1024
    }
    return (field("VmRSS"), field("VmHWM"))
}

/// Starts a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

/// A crm.lead.list answer of about `bytes` bytes, as the portal sends it (compact JSON).
func answerBody(bytes: Int) -> [UInt8] {
    let names = ["Андрей Новиков", "Мария Соколова", "Иван Петров", "Mateo Taylor", "Анна Смирнова", "王芳"]
    var text = "{\"result\":["
    var id = 1
    while text.utf8.count < bytes - 200 || id == 1 {
        if id > 1 { text += "," }
        let name = names[id % names.count]
        text += "{\"ID\":\"\(id)\",\"TITLE\":\"Заявка: \(name) №\(id)\",\"NAME\":\"\(name)\",\"STATUS_ID\":\"NEW\","
        text += "\"OPPORTUNITY\":\"\(id * 7 % 100_000).00\",\"CURRENCY_ID\":\"RUB\",\"OPENED\":\"Y\",\"ASSIGNED_BY_ID\":\"\(id % 9 + 1)\","
        text += "\"DATE_CREATE\":\"2026-11-\(10 + id % 18)T10:00:00+03:00\",\"SOURCE_ID\":\"WEB\",\"COMMENTS\":\"Перезвонить после обеда\","
        text += "\"PHONE\":[{\"ID\":\"\(id * 2)\",\"VALUE_TYPE\":\"WORK\",\"VALUE\":\"+7 900 \(100 + id % 900)-00-01\",\"TYPE_ID\":\"PHONE\"}],"
        text += "\"EMAIL\":[{\"ID\":\"\(id * 2 + 1)\",\"VALUE_TYPE\":\"WORK\",\"VALUE\":\"lead\(id)@example.ru\",\"TYPE_ID\":\"EMAIL\"}]}"
        id += 1
    }
    text += "],\"next\":50,\"total\":\(id - 1),\"time\":{\"start\":1796309000.1,\"finish\":1796309000.3,\"duration\":0.2,"
    text += "\"processing\":0.19,\"operating\":0.25,\"operating_reset_at\":1796309628}}"
    return Array(text.utf8)
}

/// What one answer costs in the inspector.
struct Run {
    var bodyBytes = 0
    var parse: UInt64 = 0
    var firstPaint: UInt64 = 0
    var scroll: [UInt64] = []
    var rawFirst: UInt64 = 0
    var rawScroll: [UInt64] = []
    var search: UInt64 = 0
    /// The search itself, on the runtime's task (big answers only), and the frame its hits land in.
    var searchOffLoop: UInt64 = 0
    var searchAnswer: UInt64 = 0
    var searchHits = ""
    var filter: UInt64 = 0
    var peak = 0
    /// What the parsed value added (B24Wire's JSONValue, before the inspector saw it).
    var parsed = 0
}

func measure(bytes: Int) async -> Run {
    var run = Run()
    var state = ConsoleState(catalog: .bundled, keymap: ConsoleKeymap.defaults, theme: .default, themeName: "default", size: size)
    state.connection = ConnectionInfo(profile: "sandbox", portal: "http://127.0.0.1:8042", auth: "webhook (user 1, code ****c0de)",
                                      isSandbox: true)
    guard case .stream(let id, _)? = reduce(&state, .command("call crm.lead.list {\"select\":[\"*\",\"PHONE\",\"EMAIL\"]}")).first else {
        fatalError("the inspector did not start its call")
    }
    let vt = VirtualTerminal(size: size)
    var shown = render(state, size: size)
    vt.draw(ScreenDiff.full(shown))
    // The body as the transport holds it (made before the memory window, so the generator's garbage is not in it).
    var body: [UInt8]? = answerBody(bytes: bytes)
    run.bodyBytes = body!.count
    let before = memory().rss
    resetPeak()
    // The client parses the body on its own task (not the key loop); measured for the record.
    var t = now()
    let envelope = try! JSONParser.parse(body!)
    run.parse = now() - t
    run.parsed = memory().rss - before
    body = nil  // the transport lets go of the bytes once they are parsed
    var trace = CallTrace(profile: "sandbox", method: "crm.lead.list", apiVersion: .v2, risk: "read",
                          request: .init(httpMethod: "POST", url: "http://127.0.0.1:8042/rest/1/****/crm.lead.list", params: .emptyObject))
    trace.duration = 0.2
    let outcome = CallOutcome(trace: trace, result: .success(envelope))

    var effects: [Effect] = []
    /// One action as the runtime handles it: reduce, render, diff against the last frame, draw.
    func handle(_ action: Action) -> UInt64 {
        let t = now()
        effects = reduce(&state, action)
        let next = render(state, size: size)
        vt.draw(ScreenDiff.between(shown, next))
        shown = next
        return now() - t
    }
    func press(_ key: KeyEvent) -> UInt64 { handle(.key(key)) }

    t = now()
    _ = reduce(&state, .answered(id, .call(outcome)))
    let first = render(state, size: size)
    vt.draw(ScreenDiff.between(shown, first))
    shown = first
    run.firstPaint = now() - t

    let keys: [KeyEvent] = [.down, .down, .down, .pageDown, .pageDown, .pageDown, .char("G"), .up, .pageUp, .char("g"), .down]
    for _ in 0 ..< 20 { for key in keys { run.scroll.append(press(key)) } }
    run.rawFirst = press(.char("r"))
    for _ in 0 ..< 20 { for key in keys { run.rawScroll.append(press(key)) } }
    _ = press(.char("r"))
    _ = press(.char("/"))
    for c in "новиков" { _ = press(.char(c)) }
    run.search = press(.enter)
    if case .stream(let searchID, let spec)? = effects.first {
        // A big answer is searched off the key loop, as the runtime does it; its hits come back as one answer.
        t = now()
        for await answer in services.stream(spec, generation: 0) {
            if case .streamed = answer { run.searchAnswer = handle(.answered(searchID, answer)) }
        }
        run.searchOffLoop = now() - t - run.searchAnswer
    }
    run.searchHits = state.status?.text ?? ""
    _ = press(.escape)
    _ = press(.char("f"))
    for c in "result.*.TITL" { _ = press(.char(c)) }
    run.filter = press(.char("E"))
    _ = press(.enter)
    // Everything this answer costs at its peak: the body itself, the parsed value, the inspector's indexes.
    run.peak = memory().peak - before + run.bodyBytes
    _ = press(.escape)
    return run
}

let services = ConsoleServices(launch: ConsoleLaunch(environment: [:]))
_ = await measure(bytes: 1_000)  // warm-up: catalog, theme, code paths
let small = await measure(bytes: 1_000)
let large = await measure(bytes: targetBytes)
let mb = Double(large.bodyBytes) / 1e6

func line(_ label: String, _ big: Double, _ base: Double, goal: String) {
    let figures = String(format: "%8.2f ms  (1 KB: %6.3f ms)  = %7.1f× baseline", big, base, big / max(base, 0.001))
    print(label.padding(toLength: 30, withPad: " ", startingAt: 0) + figures + (goal.isEmpty ? "" : "  " + goal))
}
print(String(format: "inspector: a %.1f MB list answer vs a 1 KB answer, %d×%d, release build", mb, size.width, size.height))
line("first paint (answer → frame)", ms(large.firstPaint), ms(small.firstPaint), goal: "goal ≤ 300 ms")
line("scroll key, median", median(large.scroll), median(small.scroll), goal: "goal ≤ 16 ms")
line("scroll key, slowest", ms(large.scroll.max()!), ms(small.scroll.max()!), goal: "goal ≤ 16 ms")
line("raw view, first frame", ms(large.rawFirst), ms(small.rawFirst), goal: "")
line("raw scroll key, median", median(large.rawScroll), median(small.rawScroll), goal: "goal ≤ 16 ms")
line("raw scroll key, slowest", ms(large.rawScroll.max()!), ms(small.rawScroll.max()!), goal: "goal ≤ 16 ms")
line("search Enter (key → frame)", ms(large.search), ms(small.search), goal: "goal ≤ 16 ms")
print(String(format: "  the 20 MB search itself ran off the key loop: %.0f ms; its hits landed in a frame of %.2f ms",
             ms(large.searchOffLoop), ms(large.searchAnswer)))
line("path filter key", ms(large.filter), ms(small.filter), goal: "")
print(String(format: "peak memory (body + parsed value + inspector): %.1f MB = %.2f× the body (goal ≤ 4×); 1 KB answer: %.2f MB",
             Double(large.peak) / 1e6, Double(large.peak) / Double(large.bodyBytes), Double(small.peak) / 1e6))
print(String(format: "  of which the parsed JSONValue: %.1f MB = %.2f× the body; the inspector (tree, raw view, search, filter): %.1f MB",
             Double(large.parsed) / 1e6, Double(large.parsed) / Double(large.bodyBytes),
             Double(large.peak - large.parsed - large.bodyBytes) / 1e6))
print(String(format: "(client side, off the key loop: parsing the %.1f MB body took %.0f ms)", mb, ms(large.parse)))
print("search: " + large.searchHits)
