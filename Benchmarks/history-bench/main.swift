// History benchmark: a history of 20 000 calls against one of 200 in the same run — the list query, opening
// one call, and the console's history screen (reading the list in, a filter keystroke, a frame). Prints
// medians, the absolute figures and the ratios; no assertions. Run: Benchmarks/history-list.sh (release build).
import B24Client
import B24Console
import B24Wire
import Foundation
import TerminalKit

let runs = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 15
let size = Size(width: 120, height: 40)

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func median(_ xs: [UInt64]) -> Double { Double(xs.sorted()[xs.count / 2]) / 1e6 }
func timed(_ body: () throws -> Void) rethrows -> UInt64 {
    let t = now()
    try body()
    return now() - t
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("b24-history-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

/// A 100 KB list answer (one call in fifty has one), Cyrillic titles included.
let large: JSONValue = ["result": .array((0 ..< 500).map { i in
    ["ID": .string(String(i)), "TITLE": .string("Сделка №\(i) — поставка оборудования"), "OPPORTUNITY": .double(Double(i) + 0.5),
     "STAGE_ID": "NEW", "ASSIGNED_BY_ID": "1", "COMMENTS": .string(String(repeating: "x", count: 80))]
}), "total": 500]
let methods = ["crm.deal.list", "crm.lead.add", "user.current", "tasks.task.get", "crm.contact.get"]

func trace(_ i: Int) -> CallTrace {
    let method = methods[i % methods.count]
    var trace = CallTrace(id: String(format: "call-%06d", i), profile: i % 3 == 0 ? "東京支店" : "main", method: method,
                          apiVersion: .v2, risk: i % 5 == 1 ? "write" : "read",
                          request: .init(httpMethod: "POST", url: "https://example.bitrix24.com/rest/1/****/\(method)",
                                         params: ["select": ["*"], "start": .int(Int64(i))]),
                          startedAt: Date(timeIntervalSince1970: 1_750_000_000 + Double(i)))
    trace.duration = 0.05 + Double(i % 10) / 100
    trace.response = i % 50 == 0 ? large : ["result": ["ID": .string(String(i))]]
    return trace
}

struct StoreFigures {
    var list: Double, open: Double, bytes: Int, largestRow: Int, bodies: Int
}

func storeFigures(_ count: Int) throws -> (StoreFigures, [HistoryEntry]) {
    let path = directory.appendingPathComponent("history-\(count).sqlite")
    let store = try B24Store(path: path, retention: .unlimited)
    try store.record(contentsOf: (0 ..< count).map(trace))
    var lists: [UInt64] = [], opens: [UInt64] = []
    var entries: [HistoryEntry] = []
    for _ in 0 ..< runs {
        lists.append(try timed { entries = try store.recentHistory(limit: 20_000) })
        opens.append(try timed { _ = try store.trace(id: String(format: "call-%06d", count / 2)) })
    }
    let footprint = try store.footprint()
    try store.close()
    let bytes = ["", "-wal"].compactMap { suffix in
        (try? FileManager.default.attributesOfItem(atPath: path.path + suffix))?[.size] as? Int
    }.reduce(0, +)
    return (StoreFigures(list: median(lists), open: median(opens), bytes: bytes, largestRow: footprint.largestRowBytes,
                         bodies: footprint.bodies), entries)
}

struct ScreenFigures {
    var read: Double, key: Double, frame: Double
}

/// The history screen: the list read in (rows made once), a filter typed key by key, a frame at 120×40.
func screenFigures(_ entries: [HistoryEntry]) -> ScreenFigures {
    var reads: [UInt64] = [], keys: [UInt64] = [], frames: [UInt64] = []
    for _ in 0 ..< runs {
        var state = ConsoleState(catalog: .bundled, keymap: ConsoleKeymap.defaults, theme: .default, themeName: "default", size: size)
        state.connection = ConnectionInfo(profile: "main", portal: "https://example.bitrix24.com", auth: "webhook (user 1, code ****)")
        guard case .load(let id, _)? = reduce(&state, .command("history")).first else { fatalError("history was not read") }
        reads.append(timed { _ = reduce(&state, .answered(id, .loaded(.history(entries)))) })
        _ = reduce(&state, .key(.char("/")))
        for character in "method:deal status:ok -東京" { keys.append(timed { _ = reduce(&state, .key(.char(character))) }) }
        frames.append(timed { _ = render(state, size: size) })
    }
    return ScreenFigures(read: median(reads), key: median(keys), frame: median(frames))
}

let (smallStore, smallEntries) = try storeFigures(200)
let (largeStore, largeEntries) = try storeFigures(20_000)
_ = screenFigures(smallEntries)  // warm-up: catalog, theme, formatters
let smallScreen = screenFigures(smallEntries), largeScreen = screenFigures(largeEntries)

func line(_ what: String, _ large: Double, _ small: Double, goal: String) {
    print(String(format: "%@: 20 000 calls %.3f ms, 200 calls %.3f ms  = %.1f×  (%@)", what, large, small, large / small, goal))
}
print("history with one call in 50 answering 100 KB (\(runs) runs, medians)")
line("list query (list columns only)", largeStore.list, smallStore.list, goal: "≤ 100× — linear in calls, bodies never read")
line("open one call (100 KB answer)", largeStore.open, smallStore.open, goal: "≈ 1×")
print(String(format: "database: 20 000 calls %.1f MB with %d bodies, largest history row %d bytes", Double(largeStore.bytes) / 1e6,
             largeStore.bodies, largeStore.largestRow))
line("screen: read the list in", largeScreen.read, smallScreen.read, goal: "≤ 100×")
line("screen: one filter keystroke", largeScreen.key, smallScreen.key, goal: "≤ 100×; 20 000 calls ≤ 16 ms")
line("screen: one frame 120×40", largeScreen.frame, smallScreen.frame, goal: "≈ 1× — draws what is visible")
