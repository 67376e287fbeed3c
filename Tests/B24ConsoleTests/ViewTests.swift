import Foundation
@testable import B24Console
import B24Catalog
import Testing
import TerminalKit

@Suite("Views render into fixed-size screens (goldens)")
struct ViewTests {
    let small = Size(width: 80, height: 24)
    let large = Size(width: 120, height: 40)

    func screen(_ state: ConsoleState, _ size: Size) -> Screen { render(state, size: size) }

    @Test func homeCyrillic80x24() {
        Golden.check(screen(Fixture.connected(), small), "home-80x24")
    }

    @Test func homeCJKProduction120x40() {
        let state = Fixture.connected(size: large, user: "山田 太郎 (id 9)", production: true)
        let s = screen(state, large)
        Golden.check(s, "home-production-120x40")
        #expect(s.text(row: 1).contains("PRODUCTION"))
        // The banner uses the theme's banner role.
        let at = s.find("PRODUCTION")!
        #expect(s.style(at: at) == Fixture.theme[.banner])
    }

    @Test func homeConnecting() {
        var state = ConsoleState(theme: Fixture.theme)
        state.connectionState = .loading
        Golden.check(screen(state, small), "home-connecting-80x24")
    }

    @Test func packs80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.packs))
        let s = screen(state, small)
        Golden.check(s, "packs-80x24")
        #expect(s.text.contains("other"))  // live discovery adds the "other" pack
    }

    @Test func packCore80x24AndBadgeColours() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.pack("core")))
        let s = screen(state, small)
        Golden.check(s, "pack-core-80x24")
        Golden.check(s, "pack-core-80x24-styles", styles: true)  // badges, cursor, borders: colours as well as text
        // Cursor row (user.current) in the selection style; other badges in their risk roles.
        let selected = s.find("user.current")!
        #expect(s.style(at: selected) == Fixture.theme[.selection])
        let write = s.find("write crm.lead.add")!
        #expect(s.style(at: write) == Fixture.theme[.riskWrite])
        let read = s.find("read  crm.lead.list")!
        #expect(s.style(at: read) == Fixture.theme[.riskRead])
        let destructive = s.find("DESTR event.unbind")!
        #expect(s.style(at: destructive) == Fixture.theme[.riskDestructive])
        let mixed = s.find("mixed batch")
        if let mixed { #expect(s.style(at: mixed) == Fixture.theme[.riskMixed]) }
    }

    @Test func packComms120x40() {
        var state = Fixture.connected(size: large)
        Fixture.apply(&state, .open(.pack("comms")), .key(.tab))
        Golden.check(screen(state, large), "pack-comms-chains-focused-120x40")
    }

    @Test func method80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.method("crm.lead.list")))
        state.live.availability["crm.lead.list"] = .loaded(.available)
        let s = screen(state, small)
        Golden.check(s, "method-crm.lead.list-80x24")
        #expect(s.text.contains("available"))
        #expect(s.text.contains("https://github.com/bitrix24/b24restdocs/"))
    }

    @Test func method120x40() {
        var state = Fixture.connected(size: large)
        Fixture.apply(&state, .open(.method("tasks.task.add")))
        state.live.availability["tasks.task.add"] = .loaded(.notAvailable)
        Golden.check(screen(state, large), "method-tasks.task.add-120x40")
    }

    @Test func chain80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.chain("core.lead-intake")))
        Golden.check(screen(state, small), "chain-core.lead-intake-80x24")
    }

    @Test func search80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .key(.char("/")))
        Fixture.type(&state, "open lines")
        let frame = renderFrame(state, size: small)
        Golden.check(frame.screen, "search-open-lines-80x24")
        #expect(frame.cursor != nil)
        // ':', '?' and 'q' type into the query here: the key bar names the keys that still work.
        let hints = frame.screen.text(row: 22)
        #expect(!hints.contains(": command") && !hints.contains("? help") && !hints.contains("q quit"), "\(hints)")
        #expect(hints.contains("f1 help") && hints.contains("ctrl+c quit"), "\(hints)")
    }

    @Test func help80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .key(.char("?")))
        Golden.check(screen(state, small), "help-80x24")
    }

    @Test func paletteError80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .key(.char(":")))
        Fixture.type(&state, "frobnicate")
        Fixture.apply(&state, .key(.enter))
        Golden.check(screen(state, small), "palette-error-80x24")
    }

    /// The two bottom rows (hints and status) joined, with runs of spaces squeezed.
    func bottomText(_ s: Screen) -> String {
        let rows = [s.text(row: s.size.height - 2), s.text(row: s.size.height - 1)]
        return rows.joined(separator: " ").split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    @Test func statusFitsWidthButNotStatusRoomIsShown80x24() {
        var state = Fixture.connected()
        Fixture.apply(&state, .key(.char(":")))
        Fixture.type(&state, "method nope.nope")
        Fixture.apply(&state, .key(.enter), .key(.escape))
        let message = "unknown method \"nope.nope\": not in the catalog nor in the portal's method list"
        #expect(state.status?.text == message)
        let s = screen(state, small)
        Golden.check(s, "status-unknown-method-80x24")
        #expect(bottomText(s).contains(message))
        #expect(s.text(row: 23).hasSuffix("sandbox · theme default"))
    }

    @Test func themeErrorIsShown80x24() throws {
        var state = Fixture.connected()
        Fixture.apply(&state, .key(.char(":")))
        Fixture.type(&state, "theme nope")
        #expect(Fixture.keys(&state, .enter).map(\.summary) == ["theme nope"])
        var message = ""
        do { _ = try ThemeStore(userDirectory: "/home/someone/.config/b24/themes").resolve("nope", depth: .indexed256) } catch {
            message = "\(error)"
        }
        // Wider than the status room (53 at 80 columns) but narrower than a whole row: the case that was lost.
        #expect((54 ... 78).contains(displayWidth(message)), "\(message)")
        Fixture.apply(&state, .themeFailed(message))
        let s = screen(state, small)
        #expect(bottomText(s).contains(message))
        #expect(s.text(row: 23).hasSuffix("sandbox · theme default"))
    }

    @Test func brokenConfigErrorIsShown120x40() throws {
        // A config error as the console reports it (file abbreviated to ~): wider than the status room
        // (93 at 120 columns) but narrower than a whole row.
        let message = "\(ConfigFileError(file: "~/.config/b24/config.toml", key: "keys.quit", problem: .syntax(line: 3, column: 7, message: "expected a value after '=' but found the end of the line")))"
        #expect((94 ... 118).contains(displayWidth(message)), "\(displayWidth(message)) \(message)")
        var state = Fixture.connected(size: large)
        state.status = StatusMessage(message, kind: .error)
        let s = screen(state, large)
        #expect(bottomText(s).contains(message), "\(message)")
        #expect(s.text(row: 39).hasSuffix("sandbox · theme default"))
    }

    @Test func overlongStatusEndsWithEllipsisLeftOfTheRightSegment() {
        var state = Fixture.connected()
        state.status = StatusMessage(String(repeating: "word ", count: 60) + "END", kind: .error)
        let s = screen(state, small)
        let last = s.text(row: 23)
        #expect(last.hasSuffix("sandbox · theme default"))
        #expect(last.contains("…"))
        #expect(!bottomText(s).contains("END"))
        // The message never runs into the right segment: a gap of spaces precedes it.
        #expect(last.contains("…  "))
    }

    @Test(arguments: ["default", "light", "high-contrast"], [ColorDepth.indexed256, .ansi16, .ansi8])
    func headerAndStatusAreReadableOnTheStatusBar(themeName: String, depth: ColorDepth) throws {
        var state = Fixture.connected()
        state.theme = try ThemeStore(userDirectory: nil).load(themeName).downgraded(to: depth)
        for kind in [StatusMessage.Kind.info, .warning, .error] {
            state.status = StatusMessage("something happened", kind: kind)
            let s = screen(state, small)
            for at in [Point(column: 1, row: 0), try #require(s.find("something happened"))] {
                let style = try #require(s.style(at: at))
                if let ratio = Color.contrastRatio(style.foreground, style.background) {
                    #expect(ratio >= 3, "\(themeName) at \(depth): \(style.foreground.name) on \(style.background.name) at \(at)")
                }
            }
        }
    }

    @Test func noColorStatusBarSaysMono() throws {
        let dir = NSTemporaryDirectory() + "b24-nocolor-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (environment, expected) in [(["NO_COLOR": "1"], "theme mono (NO_COLOR)"), ([:], "theme default")] {
            let launch = ConsoleLaunch(environment: environment.merging(["XDG_CONFIG_HOME": dir, "XDG_STATE_HOME": dir]) { a, _ in a })
            let state = ConsoleApp.initialState(launch: launch, services: ConsoleServices(launch: launch), size: small)
            #expect(statusRight(state).hasSuffix(expected))
            #expect(state.theme[.error].foreground == (environment.isEmpty ? Theme.default[.error].foreground.downgraded(to: .indexed256) : .default))
        }
    }

    @Test func methodNamesKeepTheirWidthFirst80x24() throws {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.pack("comms")))
        let s = screen(state, small)
        Golden.check(s, "pack-comms-80x24")
        // Whole names, so the two telephony methods stay distinguishable; the API column stays.
        for name in ["telephony.externalCall.register", "telephony.externalCall.finish"] {
            let at = try #require(s.find(name), "\(name) cut")
            #expect(s.text(row: at.row).contains("v2"))
        }
        // Where the scope column shows (core at 80 columns), it starts at one column on every row.
        Fixture.apply(&state, .open(.pack("core")))
        let core = screen(state, small)
        let starts = Set(["user.current", "crm.lead.add", "tasks.task.list", "event.bind"].map { name -> Int in
            let row = core.find(name)!.row
            let line = Array(core.text(row: row))
            let after = core.find(name)!.column + name.count
            return (after ..< line.count).first { line[$0] != " " } ?? -1
        })
        #expect(starts.count == 1, "scope column starts at \(starts.sorted())")
    }

    @Test func readOnlyMethodDetailSaysWritesAreRefused() {
        for (flag, profileReadOnly) in [(true, false), (false, true)] {
            var state = Fixture.connected()
            state.readOnlyFlag = flag
            state.connection?.readOnly = profileReadOnly
            Fixture.apply(&state, .open(.method("crm.lead.add")))
            let s = screen(state, small)
            #expect(s.text.contains("read-only: b24 refuses this write call"))
            #expect(!s.text.contains("--confirm-write"))
            Fixture.apply(&state, .open(.method("event.unbind")))
            #expect(screen(state, small).text.contains("read-only: b24 refuses this destructive call"))
        }
        var writable = Fixture.connected()
        Fixture.apply(&writable, .open(.method("crm.lead.add")))
        #expect(screen(writable, small).text.contains("c opens its form; it is sent only after you confirm the payload"))
    }

    @Test func tooSmall() {
        let state = Fixture.connected()
        let s = screen(state, Size(width: 40, height: 10))
        Golden.check(s, "too-small-40x10")
        #expect(s.text.contains("terminal too small (need 60×16)"))
    }

    @Test func oneByOneAndEmpty() {
        let state = Fixture.connected()
        Golden.check(screen(state, Size(width: 1, height: 1)), "one-by-one")
        #expect(screen(state, Size(width: 0, height: 0)).cells.isEmpty)
    }

    @Test func wideContentKeepsBordersAligned() {
        let state = Fixture.connected(size: large, user: "山田 太郎 (id 9) — Иван Петров")
        let s = screen(state, large)
        // The right column's boxes start at one column on every row, whatever the text to their left.
        let column = s.find("┌ Go to")!.column
        for row in 2 ..< 30 {
            let ch = s[column, row]!.character
            #expect(["│", "┌", "└", "─"].contains(ch), "row \(row): \(ch)")
        }
    }

    @Test func everyRouteRendersAtEverySize() {
        let routes: [Route] = [.home, .packs, .pack("core"), .pack("other"), .method("crm.lead.list"), .method("x.unknown"),
                               .chains(nil), .chains("comms"), .chain("core.lead-intake"), .search]
        for size in [Size(width: 1, height: 1), Size(width: 60, height: 16), Size(width: 61, height: 17), small, large,
                     Size(width: 200, height: 60)] {
            for route in routes {
                var state = Fixture.connected(size: size)
                state.stack.append(state.makePage(route))
                let s = render(state, size: size)
                #expect(s.size == size)
            }
        }
    }
}
