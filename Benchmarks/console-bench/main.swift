// Rendering benchmark: a full 200×60 console screen rendered, diffed and drawn on the virtual
// terminal, against a baseline of drawing an empty 200×60 screen (full diff) in the same run; and the
// lazy list widget drawing a 100 000-row list against the same list of 100 rows.
// Prints medians and the ratios; no assertions. Run: Benchmarks/console-render.sh (release build).
import B24Catalog
import B24Console
import Foundation
import TerminalKit

let size = Size(width: 200, height: 60)
let runs = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 300

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func median(_ xs: [UInt64]) -> Double { Double(xs.sorted()[xs.count / 2]) / 1e6 }

/// A busy screen: a pack with both panes full, a connected portal with Cyrillic and CJK facts.
func state(cursor: Int) -> ConsoleState {
    var s = ConsoleState(catalog: .bundled, keymap: ConsoleKeymap.defaults, theme: .default, themeName: "default", size: size)
    s.connection = ConnectionInfo(profile: "東京支店", portal: "https://tokyo.bitrix24.jp", auth: "webhook (user 1, code ****c0de)")
    s.live.user = .loaded("Иван Петров (id 3)")
    _ = reduce(&s, .open(.pack("core")))
    for _ in 0 ..< cursor { _ = reduce(&s, .key(.down)) }
    return s
}

let states = (0 ..< 10).map(state(cursor:))
_ = render(states[0], size: size)  // warm-up: catalog, theme
var full: [UInt64] = [], steady: [UInt64] = [], baseline: [UInt64] = []
for i in 0 ..< runs {
    // Full frame: render + full diff + draw (what a resize or the first frame costs).
    let vt = VirtualTerminal(size: size)
    var t = now()
    vt.draw(ScreenDiff.full(render(states[i % 10], size: size)))
    full.append(now() - t)
    // Steady frame: render + diff against the previous frame + draw (a cursor move).
    let previous = render(states[i % 10], size: size)
    t = now()
    let next = render(states[(i + 1) % 10], size: size)
    vt.draw(ScreenDiff.between(previous, next))
    steady.append(now() - t)
    // Baseline: an empty screen, full diff + draw.
    let empty = VirtualTerminal(size: size)
    t = now()
    empty.draw(ScreenDiff.full(Screen(size: size)))
    baseline.append(now() - t)
}
let b = median(baseline)
print(String(format: "200×60 full frame (render+diff+draw): median %.3f ms  (goal ≤ 2 ms)  = %.1f× baseline", median(full), median(full) / b))
print(String(format: "200×60 cursor move (render+diff+draw): median %.3f ms  = %.1f× baseline", median(steady), median(steady) / b))
print(String(format: "baseline: empty 200×60 full diff+draw: median %.3f ms  (%d runs)", b, runs))

// The lazy list: rows are made by index and their widths measured once by the owner, so a frame costs the
// visible rows whatever the list holds.
func listRow(_ i: Int) -> ListRow {
    ListRow([Span(i % 3 == 0 ? "write" : "read ", i % 3 == 0 ? .riskWrite : .riskRead), Span(" "), Span("crm.item.\(i) — Сделка №\(i)")],
            columns: [i % 2 == 0 ? "crm" : "user", "v2"])
}
func listFrames(rows: Int) -> [UInt64] {
    let columns = ListColumns(measuring: (0 ..< min(rows, 1000)).map(listRow))
    var times: [UInt64] = []
    for i in 0 ..< runs {
        var screen = Screen(size: size)
        let list = LazyList(title: "Rows", count: rows, columns: columns, scroll: ScrollState(selected: (i * 7919) % rows),
                            focused: true, row: listRow)
        let t = now()
        list.render(into: &screen, rect: screen.bounds, theme: .default)
        times.append(now() - t)
    }
    return times
}
_ = listFrames(rows: 100)  // warm-up
let small = median(listFrames(rows: 100)), large = median(listFrames(rows: 100_000))
print(String(format: "lazy list 200×60: 100 000 rows %.3f ms, 100 rows %.3f ms  = %.2f× (goal ≈ 1×)", large, small, large / small))
