@testable import B24Console
import B24Wire
import TerminalKit
import Testing

@Suite("Forms as drawn (goldens): an entity form with multifields and custom fields, a filter builder, the review")
struct FormViewTests {
    let small = Size(width: 80, height: 24)
    let large = Size(width: 120, height: 40)

    /// A lead form filled the way a person would: a title, two phones (one retyped as mobile), the custom
    /// priority picked from its list, and a date that is no date, sent once so its error shows.
    func filledLeadForm(_ size: Size) -> ConsoleState {
        var state = Fixture.connected(size: size)
        LeadFields.open("crm.lead.add", &state)
        Fixture.type(&state, "Заявка с сайта")
        _ = Fixture.keys(&state, .down, .down, .down, .down, .down)  // BIRTHDATE
        Fixture.type(&state, "2026-02-30")
        _ = Fixture.keys(&state, .down, .down, .enter)        // PHONE: a first entry
        Fixture.type(&state, "+7 999 000-00-01")
        _ = Fixture.keys(&state, .ctrl("n"))
        Fixture.type(&state, "+7 495 123-45-67")
        _ = Fixture.keys(&state, .enter, .down, .enter)       // its type: MOBILE
        _ = Fixture.keys(&state, .down, .down, .enter)        // UF priority
        _ = Fixture.keys(&state, .down, .enter)               // Высокий
        _ = Fixture.keys(&state, .ctrl("g"))                  // the date is wrong: nothing is sent
        return state
    }

    @Test func entityForm120x40() throws {
        let state = filledLeadForm(large)
        let form = try #require(state.form)
        #expect(form.review == nil, "a wrong input stops the send before the review")
        #expect(form.model.inputs.first { $0.key == "BIRTHDATE" }?.error?.contains("is not a date") == true)
        #expect(state.status?.text.hasPrefix("1 input to fix before sending: Дата рождения") == true)
        let s = render(state, size: large)
        #expect(s.text.contains("↳ \"2026-02-30\" is not a date: YYYY-MM-DD"))
        #expect(s.text.contains("43  Высокий"))
        #expect(s.text.contains("MOBILE    +7 495 123-45-67"))
        Golden.check(s, "form-crm.lead.add-120x40", styles: true)
    }

    @Test func entityForm80x24() {
        let state = filledLeadForm(small)
        let s = render(state, size: small)
        #expect(s.text.contains("Дата рождения"), "the cursor's input (the wrong date) is on screen")
        Golden.check(s, "form-crm.lead.add-80x24")
    }

    func filterForm(_ size: Size) -> ConsoleState {
        var state = Fixture.connected(size: size)
        LeadFields.open("crm.lead.list", &state)
        _ = Fixture.keys(&state, .enter)                      // Select: the field picker
        _ = Fixture.keys(&state, .char(" "), .down, .down, .down, .char(" "), .enter)
        _ = Fixture.keys(&state, .down, .enter)               // Filter: a new condition
        Fixture.type(&state, "STATUS")
        _ = Fixture.keys(&state, .enter)                      // STATUS_ID …
        Fixture.type(&state, "@")
        _ = Fixture.keys(&state, .enter)                      // … is one of
        Fixture.type(&state, "NEW, IN_PROCESS")
        _ = Fixture.keys(&state, .up, .ctrl("n"))
        Fixture.type(&state, "Назв")
        _ = Fixture.keys(&state, .enter, .down, .down, .down, .down, .down, .down, .enter)  // TITLE contains
        Fixture.type(&state, "Заявка")
        _ = Fixture.keys(&state, .down, .enter)               // Order: a field
        Fixture.type(&state, "ID")
        _ = Fixture.keys(&state, .enter, .char(" "))          // ID, descending
        return state
    }

    @Test func filterBuilder120x40() throws {
        let state = filterForm(large)
        let draft = try #require(state.form?.model.draft)
        #expect(draft == ["select": ["*", "TITLE"], "filter": ["@STATUS_ID": ["NEW", "IN_PROCESS"], "%TITLE": "Заявка"],
                          "order": ["ID": "DESC"]])
        Golden.check(render(state, size: large), "form-crm.lead.list-filter-120x40", styles: true)
    }

    @Test func filterBuilder80x24() {
        Golden.check(render(filterForm(small), size: small), "form-crm.lead.list-filter-80x24")
    }

    @Test func review80x24() throws {
        var state = Fixture.connected()
        Fixture.apply(&state, .open(.form(FormSeed(method: "crm.lead.update", params: ["id": 42, "fields": [
            "TITLE": "Заявка с сайта (повторно)", "OPENED": "Y",
            "PHONE": [["ID": "7", "VALUE": "+7 495 111-11-11"], ["ID": "8", "VALUE": ""]],
        ]]))))
        let record: JSONValue = ["ID": "42", "TITLE": "Заявка с сайта", "OPENED": true, "PHONE": [
            ["ID": "7", "VALUE_TYPE": "WORK", "VALUE": "+7 495 000-00-01"], ["ID": "8", "VALUE_TYPE": "MOBILE", "VALUE": "+7 916 000-00-02"],
        ]]
        _ = try FormTests.answerReview(&state, Fixture.keys(&state, .ctrl("g")), record: record)
        let s = render(state, size: small)
        #expect(s.text.contains("[ Cancel ]") && s.text.contains("Название лида (TITLE): \"Заявка с сайта\" → \"Заявка с сайта (повторно)\""))
        #expect(s.text.contains("- MOBILE +7 916 000-00-02 (deleted)") && s.text.contains("1 written field unchanged"))
        Golden.check(s, "form-diff-review-80x24", styles: true)
    }
}
