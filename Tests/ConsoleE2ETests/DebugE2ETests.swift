import Foundation
import Testing

/// The debugger and chain runs with the real binary in tmux: a failed call debugged from history (its steps, why,
/// the diagnosis' verdict), and the lead-intake chain run to its end with a reviewed write among its steps.
@Suite("Debugging and chains end to end in tmux", .serialized,
       .enabled(if: TmuxSession.tmuxPath != nil, "tmux is not installed (scripts/ensure-deps installs it); skipping console E2E tests"))
struct DebugE2ETests {
    static func onHome(_ screen: String) -> Bool {
        screen.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "b24  Home" }
    }

    @Test func debugAFailedCallFromHistory() async throws {
        let result: [String] = await offPool {
            guard let session = try? TmuxSession(width: 110, height: 36) else { return ["cannot start tmux"] }
            defer { session.close() }
            var problems: [String] = []
            func check(_ r: (ok: Bool, screen: String), _ what: String) {
                if !r.ok { problems.append("\(what) — screen:\n\(r.screen)") }
            }
            _ = session.wait(for: "e2e$")
            session.run("\(TmuxSession.binary.path); echo B24_EXITED $?")
            check(session.wait(for: "Анна Смирнова (id 1)"), "user from user.current")
            session.keys(":")
            session.type("call crm.lead.get {\"id\":987654}")
            session.keys("Enter")
            check(session.wait(for: "┌ Steps"), "a failed call opens on its steps")
            session.keys("Escape")
            check(session.wait(timeout: 15, until: Self.onHome), "back on Home")
            session.keys(":")
            session.type("history")
            session.keys("Enter")
            check(session.wait(for: "EMPTY_CODE"), "history lists the failed call")
            session.keys("Enter")
            check(session.wait(for: "why: no object with this id exists"), "the stored call's steps explain it")
            session.keys("d")
            check(session.wait(for: "crm.lead.get: no object 987654 that this user can see"), "the diagnosis' verdict")
            session.keys("C-c")
            check(session.wait(for: "B24_EXITED 0"), "Ctrl+C quits")
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }

    @Test func runTheLeadIntakeChainToItsEnd() async throws {
        let result: [String] = await offPool {
            guard let session = try? TmuxSession(width: 110, height: 36) else { return ["cannot start tmux"] }
            defer { session.close() }
            var problems: [String] = []
            func check(_ r: (ok: Bool, screen: String), _ what: String) {
                if !r.ok { problems.append("\(what) — screen:\n\(r.screen)") }
            }
            _ = session.wait(for: "e2e$")
            session.run("\(TmuxSession.binary.path); echo B24_EXITED $?")
            check(session.wait(for: "Анна Смирнова (id 1)"), "user from user.current")
            session.keys(":")
            session.type("chain core.lead-intake")
            session.keys("Enter")
            check(session.wait(for: "runs it step by step"), "the chain's page")
            session.keys("o")
            check(session.wait(for: "step 1 of 3: create the lead"), "step 1's form")
            check(session.wait(for: "read-only ones hidden"), "the portal's fields")
            session.type("E2E: цепочка")
            session.keys("C-g")
            check(session.wait(for: "Review crm.lead.add"), "the write's review")
            session.keys("Tab", "Enter")
            check(session.wait(for: "step 1 done"), "step 1 written")
            session.keys(">")
            check(session.wait(for: "=TITLE  E2E: цепочка"), "step 2 prefilled with the new lead's title")
            session.keys("C-g")
            check(session.wait(for: "step 2 done"), "step 2 sent")
            session.keys(">")
            check(session.wait(for: "step 3 of 3"), "step 3's form")
            session.keys("F8")
            check(session.wait(for: "chain core.lead-intake done: 2 sent, 1 skipped"), "the run's end")
            check(session.wait(for: "✓ ✓ ↷"), "the run's record on the chain's page")
            session.keys("C-c")
            check(session.wait(for: "B24_EXITED 0"), "Ctrl+C quits")
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }
}
