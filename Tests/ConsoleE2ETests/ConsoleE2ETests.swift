import Foundation
import Testing

/// The real `b24` binary in tmux, on its embedded sandbox (private XDG home, TERM=xterm-256color).
@Suite("Console end to end in tmux", .serialized,
       .enabled(if: TmuxSession.tmuxPath != nil, "tmux is not installed (scripts/ensure-deps installs it); skipping console E2E tests"))
struct ConsoleE2ETests {
    @Test func browseSearchResizeAndQuitRestoresTerminal() async throws {
        let result: [String] = await offPool {
            var problems: [String] = []
            func check(_ r: (ok: Bool, screen: String), _ what: String) {
                if ProcessInfo.processInfo.environment["B24_E2E_TRACE"] != nil { print("e2e: \(what): \(r.ok)") }
                if !r.ok { problems.append("\(what) — screen:\n\(r.screen)") }
            }
            guard let session = try? TmuxSession() else { return ["cannot start tmux"] }
            defer { session.close() }
            check(session.wait(for: "e2e$"), "shell prompt")
            let marker = session.home.appendingPathComponent("first-frame").path
            session.run("B24_FIRST_FRAME_FILE=\(marker) \(TmuxSession.binary.path); echo B24_EXITED $?")
            check(session.wait(for: "sandbox portal — no account needed"), "sandbox notice")
            check(session.wait(for: "Анна Смирнова (id 1)"), "user from user.current")
            if !FileManager.default.fileExists(atPath: marker) { problems.append("no first-frame marker") }

            session.keys("Enter")                               // Home → Packs
            check(session.wait(for: "Packs 1/13"), "packs list")
            session.keys("Enter")                               // core
            check(session.wait(for: "Methods of core"), "pack core")
            session.keys("j", "j", "j", "j", "Enter")          // crm.lead.list
            check(session.wait { $0.contains("crm.lead.list") && $0.contains("available on this portal") }, "method detail")
            session.keys("Escape", "Tab", "Enter")              // first chain of core
            check(session.wait(for: "Qualify an incoming lead"), "chain detail")
            check(session.wait(for: "Guardrails"), "guardrails")
            session.keys("Enter")                               // step 1 → its method
            check(session.wait { $0.contains("Parameters (v2)") && $0.contains("crm.lead.add") }, "step opens method")

            session.keys("/")
            session.type("open lines")
            check(session.wait(for: "imconnector.list"), "search results")

            session.resize(width: 70, height: 20)
            // Redrawn for the new width: the results box now closes at column 70.
            check(session.wait { s in s.contains("Results") && s.split(separator: "\n").contains { $0.count == 69 && $0.hasSuffix("┘") } },
                  "redraw at 70×20")
            session.resize(width: 40, height: 10)
            check(session.wait(for: "terminal too small"), "too-small notice")
            session.resize(width: 120, height: 40)
            check(session.wait(for: "Results for \"open lines\""), "redraw at 120×40")

            session.keys("Escape", "q")
            check(session.wait(for: "B24_EXITED 0"), "b24 exits with 0")
            let after = session.capture()
            if after.contains("Results for") || after.contains("b24  Home") { problems.append("console still on screen:\n\(after)") }
            let sttyFile = session.home.appendingPathComponent("stty.txt").path
            // The marker is computed by the shell, so the typed command line itself never matches it.
            session.run("stty -a > \(sttyFile); echo STTY_DONE_$((6*7))")
            check(session.wait(for: "STTY_DONE_42"), "stty ran")
            let modes = Set(((try? String(contentsOfFile: sttyFile, encoding: .utf8)) ?? "")
                .split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }).map(String.init))
            for mode in ["icanon", "echo", "isig", "icrnl", "opost"] where !modes.contains(mode) {
                problems.append("terminal mode \(mode) not restored (stty -a: \(modes.sorted().joined(separator: " ")))")
            }
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }

    @Test func aCallFromThePaletteIsCopiedAsCurlThroughTmux() async throws {
        let result: [String] = await offPool {
            guard let session = try? TmuxSession(width: 100, height: 30) else { return ["cannot start tmux"] }
            defer { session.close() }
            session.tmux(["set-option", "-g", "set-clipboard", "on"])
            _ = session.wait(for: "e2e$")
            session.run("\(TmuxSession.binary.path); echo B24_EXITED $?")
            var problems: [String] = []
            if !session.wait(for: "Анна Смирнова (id 1)").ok { problems.append("no user") }
            session.keys(":")
            session.type("call user.current {}")
            session.keys("Enter")
            let done = session.wait(for: "Status    ok")
            if !done.ok { problems.append("the call did not finish:\n\(done.screen)") }
            session.keys("C")
            if !session.wait(for: "copied the call as a cURL command").ok { problems.append("no copy notice") }
            // tmux keeps what b24 sent by OSC 52 as its newest paste buffer.
            var buffer = ""
            for _ in 0 ..< 50 where !buffer.contains("curl") {
                buffer = session.tmux(["show-buffer"])
                Thread.sleep(forTimeInterval: 0.1)
            }
            if !buffer.hasPrefix("curl -sS -X POST 'http://127.0.0.1:") || !buffer.contains("user.current") {
                problems.append("the tmux buffer holds no cURL command: \(buffer)")
            }
            if buffer.range(of: "/rest/1/[A-Za-z0-9]{8,}/", options: .regularExpression) != nil {
                problems.append("the webhook code is in the copied command: \(buffer)")
            }
            session.keys("Escape")
            // Esc and a key right after it can arrive together as Alt+key on a loaded machine: q waits for Home.
            let home = session.wait { $0.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "b24  Home" } }
            if !home.ok { problems.append("Esc did not go back to Home:\n\(home.screen)") }
            session.keys("q")
            if !session.wait(for: "B24_EXITED 0").ok { problems.append("q did not quit:\n\(session.capture())") }
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }

    @Test func ctrlCQuitsAndRestores() async throws {
        let result: [String] = await offPool {
            guard let session = try? TmuxSession(width: 100, height: 30) else { return ["cannot start tmux"] }
            defer { session.close() }
            _ = session.wait(for: "e2e$")
            session.run("\(TmuxSession.binary.path) --theme mono --read-only; echo B24_EXITED $?")
            var problems: [String] = []
            let home = session.wait(for: "sandbox · read-only · theme mono")
            if !home.ok { problems.append("read-only / theme mono not shown:\n\(home.screen)") }
            if !session.wait(for: "Анна Смирнова").ok { problems.append("no user") }
            session.keys("C-c")
            let exit = session.wait(for: "B24_EXITED 0")
            if !exit.ok { problems.append("Ctrl+C did not quit:\n\(exit.screen)\nprocesses:\n\(session.paneProcesses())") }
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }
}

/// Runs the binary without tmux: a missing or unusable TERM is a clear error, not ncurses' own exit.
@Suite("Console refuses unusable terminals")
struct TermErrorTests {
    func run(_ environment: [String: String]) async -> (status: Int32, stderr: String) {
        await offPool {
            let errPath = NSTemporaryDirectory() + "b24-term-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: errPath) }
            let merged = environment.merging(["HOME": NSTemporaryDirectory(), "PATH": "/usr/bin:/bin"]) { a, _ in a }
            let status = spawnAndWait(TmuxSession.binary.path, [], environment: merged.map { "\($0.key)=\($0.value)" },
                                      stderrFile: errPath).status
            let data = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
            return (status, String(decoding: data, as: UTF8.self))
        }
    }

    @Test func termUnset() async {
        let r = await run([:])
        #expect(r.status == 64)
        #expect(r.stderr == "b24: TERM is not set; run b24 inside a terminal or set TERM=xterm-256color\n")
    }

    @Test func termUnknown() async {
        let r = await run(["TERM": "no-such-terminal-xyz"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("b24: TERM=no-such-terminal-xyz is not a terminal type known here"))
        #expect(!r.stderr.contains("Error opening terminal"))
    }

    @Test func termWithoutCursorAddressing() async {
        let r = await run(["TERM": "dumb"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("b24: TERM=dumb cannot move the cursor"))
    }

    @Test func notATerminal() async {
        let r = await run(["TERM": "xterm-256color"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("the console needs a terminal"))
    }
}
