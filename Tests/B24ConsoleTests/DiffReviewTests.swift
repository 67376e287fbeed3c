@testable import B24Client
@testable import B24Console
import B24Catalog
import B24Wire
import TerminalKit
import Testing

/// The review over a form, key by key: a moved record, saving a plan, the help, a refused write.
@Suite("Diff review in the console: moved records, plans, help")
struct DiffReviewTests {
    static func openUpdate(_ state: inout ConsoleState) throws -> ReviewedWrite {
        Fixture.apply(&state, .open(.form(FormSeed(method: "crm.lead.update", params: ["id": 42, "fields": ["TITLE": "Новое"]]))))
        return try FormTests.answerReview(&state, Fixture.keys(&state, .ctrl("g")), record: ["ID": "42", "TITLE": "Старое"])
    }

    static func streamID(_ effects: [Effect]) -> EffectID? {
        for effect in effects { if case .stream(let id, _) = effect { return id } }
        return nil
    }

    @Test func aMovedRecordShowsTheThreeWayViewAndEnterReviewsAgain() throws {
        var state = Fixture.connected()
        _ = try Self.openUpdate(&state)
        let id = try #require(Self.streamID(Fixture.keys(&state, .tab, .enter)))
        var applied = AppliedWrite(status: .stale)
        applied.moved = [MovedField(command: nil, code: "TITLE", title: "Название лида", seen: "Старое", now: "Чужое", write: "Новое")]
        _ = reduce(&state, .answered(id, .streamed(.applied(applied))))
        let review = try #require(state.form?.review)
        #expect(review.phase == .stale && review.title == "crm.lead.update: the record moved")
        let screen = render(state, size: Size(width: 80, height: 24)).text
        #expect(screen.contains("you saw:      \"Старое\"") && screen.contains("now:          \"Чужое\"")
                && screen.contains("would write:  \"Новое\""))
        guard case .stream(_, .review(let request))? = Fixture.keys(&state, .enter).last else {
            Issue.record("Enter did not read the record again")
            return
        }
        #expect(request.params == ["id": 42, "fields": ["TITLE": "Новое"]])
        #expect(state.form?.review?.phase == .reading)
    }

    @Test func ctrlPSavesTheReviewAsAPlanAndTheHelpNamesTheKeys() throws {
        var state = Fixture.connected()
        let reviewed = try Self.openUpdate(&state)
        _ = Fixture.keys(&state, .char("?"))
        let help = render(state, size: Size(width: 100, height: 30)).text
        for words in ["cancel: nothing is written", "save plan", "revert", "Apply writes"] {
            #expect(help.contains(words), "help lacks \(words)")
        }
        _ = Fixture.keys(&state, .char("x"))  // any key closes the help
        #expect(state.form?.review?.showsHelp == false && state.form?.review?.phase == .shown)
        let effects = Fixture.keys(&state, .ctrl("p"))
        guard case .stream(let id, .saveReviewedPlan(let saved))? = effects.first else {
            Issue.record("Ctrl+P did not save a plan: \(effects.map(\.summary))")
            return
        }
        #expect(saved.diff.hash == reviewed.diff.hash)
        _ = reduce(&state, .answered(id, .streamed(.planSaved(.success("a1b2c3d4e5f6")))))
        #expect(state.status?.text == "saved as plan a1b2c3d4e5f6: run it once with b24 call --execute-plan a1b2c3d4e5f6")
        #expect(render(state, size: Size(width: 80, height: 24)).text.contains("saved as plan a1b2c3d4e5f6"))
    }

    @Test func aFailedReadWritesNothingAndSaysWhy() throws {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.form(FormSeed(method: "crm.lead.update", params: ["id": 42, "fields": ["TITLE": "x"]]))))
        let id = try #require(Self.streamID(Fixture.keys(&state, .ctrl("g"))))
        _ = reduce(&state, .answered(id, .streamed(.reviewed(.failure(ConsoleFailure("crm.lead.update is not allowed"))))))
        #expect(state.form?.review?.phase == .failed("crm.lead.update is not allowed"))
        let effects = Fixture.keys(&state, .tab, .enter)
        #expect(!effects.contains { if case .stream(_, .applyReview) = $0 { return true } else { return false } })
        #expect(state.form?.review == nil && state.status?.text == "not sent")
    }

    @Test func aDeleteOffersNoRevert() throws {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.form(FormSeed(method: "crm.lead.delete", params: ["id": 7]))))
        _ = try FormTests.answerReview(&state, Fixture.keys(&state, .ctrl("g")), record: ["ID": "7", "TITLE": "x"])
        Fixture.type(&state, "7")
        let id = try #require(Self.streamID(Fixture.keys(&state, .tab, .enter)))
        var applied = AppliedWrite(status: .sent, outcome: CallOutcome(trace: LeadFields.trace("crm.lead.delete"), result: .success(["result": true])))
        applied.verdicts = [FieldVerdict(command: nil, code: "id", title: "record", verdict: .applied)]
        _ = reduce(&state, .answered(id, .streamed(.applied(applied))))
        #expect(state.form?.review?.title == "crm.lead.delete: verified")
        #expect(Self.streamID(Fixture.keys(&state, .char("r"))) == nil, "a deleted record has no inverse write")
    }
}
