import Foundation
import Testing

/// The events screen in the real binary, in tmux, on the embedded sandbox with its activity simulator running.
@Suite("Events screen end to end in tmux", .serialized,
       .enabled(if: TmuxSession.tmuxPath != nil, "tmux is not installed (scripts/ensure-deps installs it); skipping console E2E tests"))
struct EventsE2ETests {
    @Test func eventsArriveThenFilterPauseOpenAndJumpToTheEntity() async throws {
        let problems: [String] = await offPool {
            var problems: [String] = []
            func check(_ r: (ok: Bool, screen: String), _ what: String) {
                if !r.ok { problems.append("\(what) — screen:\n\(r.screen)") }
            }
            guard let session = try? TmuxSession(width: 100, height: 30) else { return ["cannot start tmux"] }
            defer { session.close() }
            check(session.wait(for: "e2e$"), "shell prompt")
            session.run("B24_SANDBOX_ACTIVITY=30 \(TmuxSession.binary.path); echo B24_EXITED $?")
            check(session.wait(for: "Анна Смирнова (id 1)"), "connected to the sandbox")
            session.keys(":")
            session.type("events")
            session.keys("Enter")
            check(session.wait(for: "receiver: ready (http://127.0.0.1:"), "receiver ready")
            check(session.wait(for: "offline: ready"), "offline watch ready")
            session.keys("b")
            session.type("ONCRMLEADUPDATE")
            session.keys("Enter")
            check(session.wait(for: "ONCRMLEADUPDATE id="), "events arrive")
            session.keys("/")
            session.type("LEADUPDATE")
            session.keys("Enter")
            check(session.wait { $0.contains("Filter: LEADUPDATE") }, "filter typed")
            session.keys("p")
            check(session.wait(for: "PAUSED"), "paused")
            session.keys("Enter")
            check(session.wait(for: "Enter: open crm.lead.get"), "event detail")
            session.keys("Enter")
            check(session.wait(for: "call crm.lead.get"), "jump to the entity")
            check(session.wait(for: "Status    ok"), "entity read")
            session.keys("Escape", "Escape", "q")
            check(session.wait(for: "B24_EXITED 0"), "b24 exits with 0")
            return problems
        }
        for problem in problems { Issue.record(Comment(rawValue: problem)) }
    }
}
