import Foundation
import Testing

/// The write review with the real binary in tmux: a lead's title and one phone changed through the diff,
/// verified, reverted, then the lead deleted with its id typed.
@Suite("Write review end to end in tmux", .serialized,
       .enabled(if: TmuxSession.tmuxPath != nil, "tmux is not installed (scripts/ensure-deps installs it); skipping console E2E tests"))
struct DiffReviewE2ETests {
    /// The digits after `marker` on the first screen line that has them.
    static func number(after marker: String, in screen: String) -> String? {
        screen.split(separator: "\n").lazy.compactMap { line -> String? in
            guard let range = line.range(of: marker) else { return nil }
            let digits = line[range.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
            return digits.isEmpty ? nil : String(digits)
        }.first
    }

    @Test func updateTitleAndPhoneSeeTheDiffApplyVerifiedRevertThenDeleteWithTheIDTyped() async throws {
        let result: [String] = await offPool {
            guard let session = try? TmuxSession(width: 110, height: 36) else { return ["cannot start tmux"] }
            defer { session.close() }
            var problems: [String] = []
            func check(_ r: (ok: Bool, screen: String), _ what: String) {
                if !r.ok { problems.append("\(what) — screen:\n\(r.screen)") }
            }
            func palette(_ line: String) {
                session.keys(":")
                session.type(line)
                session.keys("Enter")
            }
            _ = session.wait(for: "e2e$")
            session.run("\(TmuxSession.binary.path); echo B24_EXITED $?")
            check(session.wait(for: "Анна Смирнова (id 1)"), "user from user.current")

            // A lead with one phone, made through its review.
            palette(#"call crm.lead.add {"fields":{"TITLE":"E2E lead","PHONE":[{"VALUE":"+7 900 000-00-01","VALUE_TYPE":"WORK"}]}}"#)
            check(session.wait(for: "read-only ones hidden"), "the add form")
            session.keys("C-g")
            check(session.wait(for: "+ WORK +7 900 000-00-01"), "the add's diff")
            session.keys("Tab", "Enter")
            let made = session.wait(for: "crm.lead.add: verified")
            check(made, "the lead was made and verified")
            guard let id = Self.number(after: "created record", in: made.screen) else {
                return problems + ["no new id on screen:\n\(made.screen)"]
            }
            session.keys("Escape", "Escape")

            // The phone entry's id, read from the record.
            palette("call crm.lead.get {\"id\":\(id)}")
            check(session.wait(for: "Status    ok"), "crm.lead.get")
            session.keys("f")
            session.type("result.PHONE.*.ID")
            session.keys("Enter")
            let filtered = session.wait(for: "PHONE.0.ID")
            guard let phoneID = Self.number(after: "PHONE.0.ID", in: filtered.screen) else {
                return problems + ["no phone id on screen:\n\(filtered.screen)"]
            }
            session.keys("Escape", "Escape", "Escape")

            // Title and one phone: the diff shows both old → new; Apply; verified.
            palette("call crm.lead.update {\"id\":\(id),\"fields\":{\"TITLE\":\"E2E renamed\",\"PHONE\":[{\"ID\":\"\(phoneID)\",\"VALUE\":\"+7 900 000-00-09\"}]}}")
            check(session.wait(for: "form · REST v2 · write"), "the update form")
            session.keys("C-g")
            check(session.wait(for: "\"E2E lead\" → \"E2E renamed\""), "the title in the diff")
            check(session.wait(for: "~ WORK +7 900 000-00-01 → +7 900 000-00-09"), "the phone in the diff")
            session.keys("Enter")  // focus starts on Cancel: Enter writes nothing
            check(session.wait(for: "not sent"), "Cancel by default")
            session.keys("C-g")
            check(session.wait(for: "Review crm.lead.update"), "the review again")
            session.keys("Tab", "Enter")
            check(session.wait(for: "crm.lead.update: verified"), "verified after the write")

            // Revert: the inverse write is itself reviewed.
            session.keys("r")
            check(session.wait(for: "\"E2E renamed\" → \"E2E lead\""), "the revert's diff")
            session.keys("Tab", "Enter")
            check(session.wait(for: "crm.lead.update: verified"), "the revert verified")
            session.keys("Escape", "Escape")

            // Delete: the whole record is shown; Apply needs the id typed.
            palette("call crm.lead.delete {\"id\":\(id)}")
            session.keys("C-g")
            check(session.wait(for: "DELETE: the whole record goes"), "the delete's diff")
            session.keys("Tab", "Enter")
            check(session.wait(for: "or crm.lead.delete to apply"), "Apply refused until the id is typed")
            session.type(id)
            session.keys("Enter")
            check(session.wait(for: "crm.lead.delete: verified"), "the lead is gone")
            session.keys("C-c")
            check(session.wait(for: "B24_EXITED 0"), "Ctrl+C quits")
            return problems
        }
        for problem in result { Issue.record(Comment(rawValue: problem)) }
    }
}
