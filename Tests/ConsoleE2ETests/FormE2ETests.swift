import Foundation
import Testing

/// The form flow with the real binary in tmux: a lead made from a form, found in history, edited (in the form
/// and in a scripted `$EDITOR`) and sent again.
@Suite("Forms end to end in tmux", .serialized,
       .enabled(if: TmuxSession.tmuxPath != nil, "tmux is not installed (scripts/ensure-deps installs it); skipping console E2E tests"))
struct FormE2ETests {
    /// The screen line of the input under the cursor.
    static func focused(_ screen: String) -> String {
        screen.split(separator: "\n").first { $0.hasPrefix(" › ") }.map(String.init) ?? ""
    }

    /// Presses Down until the input labelled `label` is under the cursor (each press waits for its frame).
    static func focus(_ session: TmuxSession, _ label: String) -> Bool {
        var screen = session.capture()
        for _ in 0 ..< 90 {
            if focused(screen).hasPrefix(" › " + label + " ") { return true }
            let before = focused(screen)
            session.keys("Down")
            screen = session.wait(timeout: 3) { focused($0) != before }.screen
        }
        return false
    }

    static func newID(_ screen: String) -> String? {
        screen.split(separator: "\n").lazy.compactMap { line -> String? in
            guard let range = line.range(of: "created record ") else { return nil }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            return digits.isEmpty ? nil : String(digits)
        }.first
    }

    @Test func makeALeadInAFormFindItInHistoryAndSendItAgainEditedInTheFormAndInEditor() async throws {
        let result: [String] = await offPool {
            guard let session = try? TmuxSession(width: 110, height: 36) else { return ["cannot start tmux"] }
            defer { session.close() }
            var problems: [String] = []
            func check(_ r: (ok: Bool, screen: String), _ what: String) {
                if !r.ok { problems.append("\(what) — screen:\n\(r.screen)") }
            }
            // A scripted editor: it appends to the title, as a person would.
            let editor = session.home.appendingPathComponent("editor.sh")
            try? "#!/bin/sh\nsed -i 's/правка/правка из редактора/' \"$1\"\n".write(to: editor, atomically: true, encoding: .utf8)
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
            _ = session.wait(for: "e2e$")
            session.run("EDITOR=\(editor.path) \(TmuxSession.binary.path); echo B24_EXITED $?")
            check(session.wait(for: "Анна Смирнова (id 1)"), "user from user.current")
            session.keys(":")
            session.type("call crm.lead.add")
            session.keys("Enter")
            check(session.wait(for: "read-only ones hidden"), "the portal's fields")
            session.type("E2E: заявка")
            if !Self.focus(session, "Phone") { problems.append("no Phone input:\n\(session.capture())") }
            session.keys("Enter")
            session.type("+7 900 111-22-33")
            session.keys("C-g")
            check(session.wait(for: "Review crm.lead.add"), "the review")
            check(session.wait(for: "+ WORK +7 900 111-22-33"), "the phone in the review")
            session.keys("Tab", "Enter")
            let first = session.wait(for: "crm.lead.add: verified")
            check(first, "the lead was made")
            let firstID = Self.newID(first.screen)
            if firstID == nil { problems.append("no new ID on screen:\n\(first.screen)") }

            // History: the newest call is this one; e opens it in its form. (Esc closes the review.)
            session.keys("Escape")
            check(session.wait { $0.contains("form · REST v2 · write") && !$0.contains("Review crm.lead.add") }, "back on the form")
            // Esc and a key right after it can arrive together as Alt+key on a loaded machine: ":" waits for Home.
            session.keys("Escape")
            check(session.wait { $0.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "b24  Home" } },
                  "back on Home")
            session.keys(":")
            session.type("history")
            session.keys("Enter")
            check(session.wait(for: "crm.lead.add"), "history lists the call")
            session.keys("Enter")
            check(session.wait(for: "(from history"), "the stored call")
            session.keys("e")
            check(session.wait { Self.focused($0).contains("E2E: заявка") }, "the form, filled from history")
            session.keys("C-u")
            session.type("E2E: правка")
            session.keys("F4")
            check(session.wait(for: "parameters taken from the editor"), "the editor round trip")
            check(session.wait { Self.focused($0).contains("E2E: правка из редактора") }, "the edited title in the form")
            session.keys("C-g")
            check(session.wait(for: "(TITLE): + \"E2E: правка из редактора\""), "the edited title in the review")
            session.keys("Tab", "Enter")
            let second = session.wait { $0.contains("verified") && Self.newID($0) != nil && Self.newID($0) != firstID }
            check(second, "a second lead was made (a replayed write is a new write)")
            session.keys("C-c")
            check(session.wait(for: "B24_EXITED 0"), "Ctrl+C quits")
            // The CLI reads the same history: two lead writes from the console.
            session.run("\(TmuxSession.binary.path) history --limit 5; echo HISTORY_DONE_$((6*7))")
            let history = session.wait(for: "HISTORY_DONE_42")
            check(history, "b24 history ran")
            let adds = history.screen.components(separatedBy: "crm.lead.add").count - 1
            if adds < 2 { problems.append("b24 history does not list both writes:\n\(history.screen)") }
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }
}
