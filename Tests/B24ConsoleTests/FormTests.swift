@testable import B24Console
@testable import B24Client
import B24Catalog
import B24Wire
import Foundation
import TerminalKit
import Testing

/// Field metadata as `crm.lead.fields` reports it: Cyrillic titles, a required field, read-only ones, a status,
/// a user reference, multifields, and custom (UF) fields whose title is the form label.
enum LeadFields {
    static let metadata: JSONValue = [
        "ID": ["type": "integer", "isRequired": false, "isReadOnly": true, "isMultiple": false, "title": "ID"],
        "TITLE": ["type": "string", "isRequired": true, "isReadOnly": false, "isMultiple": false, "title": "Название лида"],
        "NAME": ["type": "string", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": "Имя"],
        "STATUS_ID": ["type": "crm_status", "isRequired": false, "isReadOnly": false, "isMultiple": false, "statusType": "STATUS",
                      "title": "Стадия"],
        "OPPORTUNITY": ["type": "double", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": "Сумма"],
        "OPENED": ["type": "char", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": "Доступен для всех"],
        "BIRTHDATE": ["type": "date", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": "Дата рождения"],
        "ASSIGNED_BY_ID": ["type": "user", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": "Ответственный"],
        "DATE_CREATE": ["type": "datetime", "isRequired": false, "isReadOnly": true, "isMultiple": false, "title": "Дата создания"],
        "PHONE": ["type": "crm_multifield", "isRequired": false, "isReadOnly": false, "isMultiple": true, "title": "Телефон"],
        "EMAIL": ["type": "crm_multifield", "isRequired": false, "isReadOnly": false, "isMultiple": true, "title": "E-mail"],
        "UF_CRM_1700000001": ["type": "enumeration", "isRequired": false, "isReadOnly": false, "isMultiple": false,
                              "title": "UF_CRM_1700000001", "formLabel": "Приоритет", "listLabel": "Приоритет",
                              "items": [["ID": "41", "VALUE": "Низкий"], ["ID": "43", "VALUE": "Высокий"]]],
        "UF_CRM_1700000002": ["type": "string", "isRequired": false, "isReadOnly": false, "isMultiple": false,
                              "title": "UF_CRM_1700000002", "formLabel": "Канал"],
        "OLD_FIELD": ["type": "string", "isDeprecated": true, "title": "Old"],
    ]

    static func trace(_ method: String) -> CallTrace {
        CallTrace(profile: "sandbox", method: method, apiVersion: .v2, risk: "read",
                  request: .init(httpMethod: "POST", url: "http://x/rest/1/****/\(method)", params: .emptyObject))
    }

    /// Opens the form of `method` and answers its fields call with `metadata`.
    static func open(_ method: String, _ state: inout ConsoleState, fields: JSONValue = metadata) {
        let effects = Fixture.apply(&state, .open(.form(FormSeed(method: method))))
        guard case .call(let id, let request)? = effects.first(where: { if case .call = $0 { return true } else { return false } }) else {
            Issue.record("the form did not ask for its fields: \(effects.map(\.summary))")
            return
        }
        #expect(request.method == "crm.lead.fields" && request.recording == .none)
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: trace(request.method), result: .success(["result": fields])))))
    }
}

extension ConsoleState {
    var form: FormScreen? { page.screen as? FormScreen }
}

@Suite("Forms: inputs from the portal's fields, typed values, validation, raw JSON, review")
struct FormTests {
    @Test func anEntityFormTakesThePortalsFieldsTypedHidingReadOnlyOnes() throws {
        var state = Fixture.connected()
        LeadFields.open("crm.lead.add", &state)
        let form = try #require(state.form)
        let inputs = form.model.inputs
        #expect(!inputs.contains { $0.key == "ID" || $0.key == "DATE_CREATE" }, "read-only fields are hidden")
        #expect(!inputs.contains { $0.key == "OLD_FIELD" }, "deprecated fields are hidden")
        let byKey = Dictionary(uniqueKeysWithValues: inputs.map { ($0.key, $0) })
        #expect(byKey["TITLE"]?.required == true && byKey["TITLE"]?.title == "Название лида")
        #expect(byKey["PHONE"]?.kind == .multifield)
        #expect(byKey["OPENED"]?.kind == .yesNo)
        #expect(byKey["STATUS_ID"]?.kind == .status("STATUS"))
        #expect(byKey["ASSIGNED_BY_ID"]?.kind == .reference(Reference(entity: "user")))
        #expect(byKey["UF_CRM_1700000001"]?.title == "Приоритет", "a custom field shows its label, not its code")
        #expect(byKey["UF_CRM_1700000001"]?.kind == .choice([Choice(id: "41", title: "Низкий"), Choice(id: "43", title: "Высокий")]))
        #expect(inputs.filter { $0.parent == nil }.map(\.key) == ["params"], "besides the fields: the method's own `params`")
        #expect(form.source.contains("fields of this portal (crm.lead.fields)"))
    }

    @Test func valuesAreSentTypedAndWrongOnesAreNamedNextToTheirInput() throws {
        var model = FormModel.build(method: "crm.lead.add", spec: Catalog.bundled.spec(for: "crm.lead.add"),
                                    entity: EntityMethod.of("crm.lead.add"), fields: EntityField.parse(LeadFields.metadata))
        func set(_ key: String, _ text: String) { model.inputs[model.inputs.firstIndex { $0.key == key }!].text = EditableText(text) }
        let made1 = model.validated()
        #expect(made1 == nil)
        #expect(model.inputs.first { $0.key == "TITLE" }?.error == "required")
        set("TITLE", "Заявка с сайта")
        set("OPPORTUNITY", "1,5")
        set("BIRTHDATE", "2026-02-30")
        set("OPENED", "maybe")
        let made2 = model.validated()
        #expect(made2 == nil)
        #expect(model.inputs.first { $0.key == "OPPORTUNITY" }?.error == "\"1,5\" is not a number (use a dot: 1.5)")
        #expect(model.inputs.first { $0.key == "BIRTHDATE" }?.error?.hasPrefix("\"2026-02-30\" is not a date") == true)
        #expect(model.inputs.first { $0.key == "OPENED" }?.error == "\"maybe\" is not Y or N")
        set("OPPORTUNITY", "15000.50")
        set("BIRTHDATE", "1990-05-17")
        set("OPENED", "y")
        set("UF_CRM_1700000001", "43")
        let phone = model.inputs.firstIndex { $0.key == "PHONE" }!
        model.inputs[phone].entries = [MultiEntry(valueType: "MOBILE", value: EditableText("+7 999 000-00-01")),
                                       MultiEntry(valueType: "WORK", value: EditableText("not a phone"))]
        let made3 = model.validated()
        #expect(made3 == nil)
        #expect(model.inputs[phone].error == "entry 2: \"not a phone\" is not a phone number")
        model.inputs[phone].entries[1].value = EditableText("+7 (495) 123-45-67")
        let paramsMade = model.validated()
        let params = try #require(paramsMade)
        #expect(params["fields"] == [
            "TITLE": "Заявка с сайта", "OPPORTUNITY": 15000.5, "OPENED": "Y", "BIRTHDATE": "1990-05-17",
            "PHONE": [["VALUE": "+7 999 000-00-01", "VALUE_TYPE": "MOBILE"], ["VALUE": "+7 (495) 123-45-67", "VALUE_TYPE": "WORK"]],
            "UF_CRM_1700000001": "43",
        ])
    }

    @Test func theRawJSONComesBackIntoTheSameInputsAndKeepsWhatNoInputTakes() throws {
        var model = FormModel.build(method: "crm.lead.update", spec: Catalog.bundled.spec(for: "crm.lead.update"),
                                    entity: EntityMethod.of("crm.lead.update"), fields: EntityField.parse(LeadFields.metadata))
        let params: JSONValue = [
            "id": 42,
            "fields": ["TITLE": "Новое имя", "PHONE": [["ID": "7", "VALUE": "", "VALUE_TYPE": "WORK"]], "UNKNOWN_FIELD": ["a": 1]],
            "params": ["REGISTER_SONET_EVENT": "Y"],
        ]
        model.load(params)
        #expect(model.inputs.first { $0.key == "UNKNOWN_FIELD" }?.parent == "fields")
        let sentMade = model.validated()
        let sent = try #require(sentMade)
        #expect(sent == params, "an entry with an ID and an empty value (a delete) and unknown members survive the round trip")
    }

    @Test func aListFormBuildsFiltersSelectAndOrderTypedByTheField() throws {
        var model = FormModel.build(method: "crm.lead.list", spec: Catalog.bundled.spec(for: "crm.lead.list"),
                                    entity: EntityMethod.of("crm.lead.list"), fields: EntityField.parse(LeadFields.metadata))
        let filter = model.inputs.firstIndex { $0.kind == .filter }!
        model.inputs[filter].conditions = [
            FilterCondition(field: "ID", op: .greater, value: EditableText("195")),
            FilterCondition(field: "STATUS_ID", op: .inList, value: EditableText("NEW, IN_PROCESS")),
            FilterCondition(field: "TITLE", op: .contains, value: EditableText("Заявка")),
            FilterCondition(field: "OPPORTUNITY", op: .greaterOrEqual, value: EditableText("много")),
        ]
        model.inputs[model.inputs.firstIndex { $0.kind == .select }!].picks = ["ID", "TITLE"]
        model.inputs[model.inputs.firstIndex { $0.kind == .order }!].terms = [OrderTerm(field: "ID", descending: true)]
        let made4 = model.validated()
        #expect(made4 == nil)
        #expect(model.inputs[filter].error == ">=OPPORTUNITY: \"много\" is not a number")
        model.inputs[filter].conditions.removeLast()
        let paramsMade = model.validated()
        let params = try #require(paramsMade)
        #expect(params == [
            "select": ["ID", "TITLE"],
            "filter": [">ID": 195, "@STATUS_ID": ["NEW", "IN_PROCESS"], "%TITLE": "Заявка"],
            "order": ["ID": "DESC"],
        ])
        var again = FormModel.build(method: "crm.lead.list", spec: Catalog.bundled.spec(for: "crm.lead.list"),
                                    entity: EntityMethod.of("crm.lead.list"), fields: EntityField.parse(LeadFields.metadata))
        again.load(params)
        let made5 = again.validated()
        #expect(made5 == params)
        #expect(again.inputs.first { $0.kind == .filter }?.conditions.map { $0.op.rawValue + $0.field } == [">ID", "@STATUS_ID", "%TITLE"])
    }

    @Test func aMethodNothingIsKnownOfTakesKeyValueLines() throws {
        var model = FormModel.build(method: "vendor.thing.do", spec: nil, entity: nil, fields: [])
        #expect(model.inputs.map(\.kind) == [.pairs])
        model.inputs[0].lines = [EditableText("ID=5"), EditableText("NAME=Ёлка"), EditableText("CODE=\"007\""), EditableText("FILTER={\">ID\": 1}")]
        let paramsMade = model.validated()
        let params = try #require(paramsMade)
        #expect(params == ["ID": 5, "NAME": "Ёлка", "CODE": "007", "FILTER": [">ID": 1]])
        model.load(params)
        #expect(model.inputs[0].lines.map(\.text) == ["ID=5", "NAME=Ёлка", "CODE=007", "FILTER={\">ID\":1}"], "007 is not JSON, so it reads back as the text it is")
        model.inputs[0].lines.append(EditableText("no equals sign"))
        let made6 = model.validated()
        #expect(made6 == nil)
        #expect(model.inputs[0].error?.hasPrefix("line 5: write KEY=VALUE") == true)
    }

    @Test func aRESTThreeSchemaBecomesInputs() {
        let document: JSONValue = [
            "paths": ["/tasks.task.add": ["post": ["requestBody": ["content": ["application/json": ["schema": [
                "$ref": "#/components/schemas/Add"]]]]]]],
            "components": ["schemas": ["Add": ["type": "object", "required": ["fields"], "properties": [
                "fields": ["type": "object", "description": "Task fields"],
                "deadline": ["type": "string", "format": "date-time"],
                "priority": ["type": "string", "enum": ["low", "high"]],
            ]]]],
        ]
        let inputs = OpenAPISchema.inputs(for: "tasks.task.add", in: document)
        #expect(inputs.map(\.key) == ["fields", "deadline", "priority"])
        #expect(inputs.map(\.kind) == [.json, .datetime, .choice([Choice(id: "low", title: "low"), Choice(id: "high", title: "high")])])
        #expect(inputs[0].required && !inputs[1].required)
    }

    /// The review stream a key asked for, answered with the diff b24 would make of `record` (nil: an add).
    static func answerReview(_ state: inout ConsoleState, _ effects: [Effect], record: JSONValue?) throws -> ReviewedWrite {
        guard case .stream(let id, .review(let request))? = effects.first(where: { if case .stream = $0 { return true } else { return false } })
        else { throw ReviewError.notAsked(effects.map(\.summary)) }
        let effect = ReadTargets.effect(of: request.method)
        let command = DiffEngine.diff(DiffEngine.Input(method: request.method, params: request.params, effect: effect,
                                                       record: record, metadata: FieldMetadata.parse(LeadFields.metadata)))
        let risk = Guardrails.risk(of: request.method, params: request.params, catalog: .bundled)
        let reviewed = ReviewedWrite(request: request, diff: WriteDiff(method: request.method, risk: risk, commands: [command],
                                                                       hash: B24Client.diffHash(request, [command])))
        _ = reduce(&state, .answered(id, .streamed(.reviewed(.success(reviewed)))))
        return reviewed
    }

    enum ReviewError: Error { case notAsked([String]) }

    @Test func aWriteOpensItsDiffWithFocusOnCancelAndNeedsApply() throws {
        var state = Fixture.connected()
        LeadFields.open("crm.lead.add", &state)
        Fixture.type(&state, "Заявка")
        _ = try Self.answerReview(&state, Fixture.keys(&state, .ctrl("g")), record: nil)
        let review = try #require(state.form?.review)
        #expect(review.focus == .cancel && review.mustType == nil && review.phase == .shown)
        #expect(review.lines.contains { $0.map(\.text).joined().contains("Название лида (TITLE): + \"Заявка\"") })
        let cancelled = Fixture.keys(&state, .enter)
        #expect(!cancelled.contains { if case .stream = $0 { return true } else { return false } }, "Enter on Cancel sends nothing")
        #expect(state.form?.review == nil && state.status?.text == "not sent")
        let reviewed = try Self.answerReview(&state, Fixture.keys(&state, .ctrl("g")), record: nil)
        _ = Fixture.keys(&state, .tab)
        let effects = Fixture.keys(&state, .enter)
        guard case .stream(let id, .applyReview(let sent, let confirmWrite, let confirmDestructive, let key))? = effects.first else {
            Issue.record("Apply did not send: \(effects.map(\.summary))")
            return
        }
        #expect(sent.diff.hash == reviewed.diff.hash && confirmWrite && !confirmDestructive)
        #expect(sent.request.params == ["fields": ["TITLE": "Заявка"]])
        #expect(!key.isEmpty, "each confirmed send is a new write")
        #expect(state.form?.review?.phase == .applying)
        // The write went out and every field reads back as written: "verified", and r reviews the inverse write.
        var applied = AppliedWrite(status: .sent, outcome: CallOutcome(trace: LeadFields.trace("crm.lead.add"), result: .success(["result": 9])))
        applied.verdicts = [FieldVerdict(command: nil, code: "TITLE", title: "Название лида", verdict: .applied)]
        applied.createdID = "9"
        _ = reduce(&state, .answered(id, .streamed(.applied(applied))))
        #expect(state.form?.review?.phase == .done && state.form?.review?.title == "crm.lead.add: verified")
        #expect(state.status?.text == "crm.lead.add: verified")
        guard case .stream(_, .reviewRevert(let original, _))? = Fixture.keys(&state, .char("r")).first else {
            Issue.record("r did not ask for the inverse write")
            return
        }
        #expect(original.diff.hash == reviewed.diff.hash)
        // Esc leaves; the form's values are kept for the next time it opens.
        _ = Fixture.keys(&state, .escape, .escape)  // the review, then the form
        #expect(state.route == .home)
        Fixture.apply(&state, .command("call crm.lead.add"))
        #expect(state.form?.model.draft == ["fields": ["TITLE": "Заявка"]])
        #expect(state.status?.text == "the values you left here are back (ctrl+x clears an input)")
    }

    @Test func aDestructiveCallNeedsTheIdOrMethodTypedAndProductionSaysSo() throws {
        var state = Fixture.connected(production: true)
        Fixture.apply(&state, .open(.form(FormSeed(method: "crm.lead.delete", params: ["id": 7]))))
        _ = try Self.answerReview(&state, Fixture.keys(&state, .ctrl("g")), record: ["ID": "7", "TITLE": "Старый лид"])
        #expect(state.form?.review?.mustType == ["7", "crm.lead.delete"])
        #expect(state.form?.review?.lines.contains { $0.map(\.text).joined().contains("DELETE") } == true)
        _ = Fixture.keys(&state, .tab)
        #expect(Fixture.keys(&state, .enter).isEmpty)
        #expect(state.form?.review?.problem == "type 7 or crm.lead.delete to apply")
        Fixture.type(&state, "7")
        guard case .stream(_, .applyReview(let reviewed, _, let confirmDestructive, _))? = Fixture.keys(&state, .enter).first else {
            Issue.record("the typed id did not send")
            return
        }
        #expect(confirmDestructive && reviewed.request.params == ["id": 7])
    }

    @Test func aReadOnlyConsoleRefusesAWriteFromAForm() {
        var state = Fixture.connected()
        state.readOnlyFlag = true
        Fixture.apply(&state, .open(.form(FormSeed(method: "crm.lead.add", params: ["fields": ["TITLE": "x"]]))))
        #expect(Fixture.keys(&state, .ctrl("g")).isEmpty)
        #expect(state.form?.review == nil)
        #expect(state.status?.text == "crm.lead.add changes data (write) and this console was started read-only: nothing was sent")
    }

    @Test func aReadGoesOutAtOnceAndTheFormStaysBehindIt() {
        var state = Fixture.connected()
        Fixture.apply(&state, .command("call user.current"))
        #expect(state.route == .form(FormSeed(method: "user.current")))
        let effects = Fixture.keys(&state, .ctrl("g"))
        #expect(effects.map(\.summary) == ["stream call#1"])
        _ = Fixture.keys(&state, .escape)
        #expect(state.form != nil)
    }

    @Test func aFailedLookupSaysSoInPlaceAndTheFormKeepsItsValues() throws {
        var state = Fixture.connected()
        LeadFields.open("crm.lead.add", &state)
        Fixture.type(&state, "Заявка")
        func focusedKey(_ form: FormScreen) -> String? { FormScreen.inputIndex(form.focusedRow).map { form.model.inputs[$0].key } }
        for _ in 0 ..< 20 where state.form.flatMap(focusedKey) != "ASSIGNED_BY_ID" { _ = Fixture.keys(&state, .down) }
        _ = Fixture.keys(&state, .enter)
        Fixture.type(&state, "Смирн")
        guard case .call(let id, let request)? = Fixture.keys(&state, .enter).first else {
            Issue.record("Enter did not search")
            return
        }
        #expect(request.method == "user.search" && request.params == ["FILTER": ["FIND": "Смирн"]] && request.recording == .none)
        let timeout = B24Error.transport(.timeout, "the portal did not answer within 20 s")
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: LeadFields.trace("user.search"), result: .failure(timeout)))))
        let picker = try #require(state.form?.picker)
        #expect(picker.problem?.hasPrefix("the lookup failed: ") == true && picker.problem?.contains("did not answer within 20 s") == true)
        _ = Fixture.keys(&state, .escape)
        #expect(state.form?.model.draft == ["fields": ["TITLE": "Заявка"]])
        Fixture.type(&state, "7")
        #expect(state.form?.model.draft == ["fields": ["TITLE": "Заявка", "ASSIGNED_BY_ID": 7]], "the ID can be typed instead")
    }

    @Test func valuesKeepTheirMeaningWhenTheInputChangesKind() {
        // Typed before the portal's fields came, TITLE was a JSON input; as text it is the text, not "\"…\"".
        var old = FormModel(inputs: [FormInput(key: "TITLE", parent: "fields", kind: .json)])
        old.inputs[0].text = EditableText("\"Живой тест\"")
        var new = FormModel.build(method: "crm.lead.add", spec: nil, entity: EntityMethod.of("crm.lead.add"),
                                  fields: EntityField.parse(LeadFields.metadata))
        new.adopt(old)
        #expect(new.inputs.first { $0.key == "TITLE" }?.text.text == "Живой тест")
        #expect(new.draft["fields"]?["TITLE"] == "Живой тест")
    }

    @Test func taskPeopleAreUsersAndWhatThePortalKeepsIsHidden() throws {
        let entity = try #require(EntityMethod.of("tasks.task.add"))
        let fields = entity.fields(in: ["fields": [
            "ID": ["title": "ID", "type": "integer", "primary": true],
            "TITLE": ["title": "Название", "type": "string", "required": true],
            "RESPONSIBLE_ID": ["title": "Исполнитель", "type": "integer", "required": true],
            "AUDITORS": ["title": .null, "type": "array"],
            "CREATED_DATE": ["title": .null, "type": "datetime"],
            "PRIORITY": ["title": "Приоритет", "type": "enum", "values": ["2": "Высокий", "1": "Средний", "0": "Низкий"], "default": 1],
        ]])
        let model = FormModel.build(method: "tasks.task.add", spec: nil, entity: entity, fields: fields)
        let byKey = Dictionary(uniqueKeysWithValues: model.inputs.map { ($0.key, $0) })
        #expect(byKey["ID"] == nil && byKey["CREATED_DATE"] == nil)
        #expect(byKey["RESPONSIBLE_ID"]?.kind == .reference(Reference(entity: "user")) && byKey["RESPONSIBLE_ID"]?.required == true)
        #expect(byKey["AUDITORS"]?.kind == .reference(Reference(entity: "user")) && byKey["AUDITORS"]?.multiple == true)
        #expect(byKey["PRIORITY"]?.kind == .choice([Choice(id: "2", title: "Высокий"), Choice(id: "1", title: "Средний"),
                                                    Choice(id: "0", title: "Низкий")]))
        #expect(byKey["PRIORITY"]?.example == "default: 1")
    }

    @Test func aStatusOrValueTypeTheFormKnowsIsWrongIsRefused() {
        var model = FormModel.build(method: "crm.lead.add", spec: nil, entity: EntityMethod.of("crm.lead.add"),
                                    fields: EntityField.parse(LeadFields.metadata))
        model.statuses["STATUS"] = [Choice(id: "NEW", title: "Новый"), Choice(id: "JUNK", title: "Брак")]
        model.load(["fields": ["TITLE": "x", "STATUS_ID": "NOPE", "PHONE": [["VALUE": "+7 900 000-00-00", "VALUE_TYPE": "BOGUS"]]]])
        let made = model.validated()
        #expect(made == nil)
        #expect(model.inputs.first { $0.key == "STATUS_ID" }?.error == "\"NOPE\" is not one of STATUS; Enter lists them")
        #expect(model.inputs.first { $0.key == "PHONE" }?.error?.hasPrefix("entry 1: BOGUS is not a type of PHONE") == true)
    }

    @Test func aCurrencyIsPickedFromThePortalsCurrencies() throws {
        var state = Fixture.connected()
        var fields = LeadFields.metadata
        if case .object(var object) = fields {
            object["CURRENCY_ID"] = ["type": "crm_currency", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": "Валюта"]
            fields = .object(object)
        }
        LeadFields.open("crm.lead.add", &state, fields: fields)
        Fixture.type(&state, "x")
        func focusedKey(_ form: FormScreen) -> String? { FormScreen.inputIndex(form.focusedRow).map { form.model.inputs[$0].key } }
        for _ in 0 ..< 20 where state.form.flatMap(focusedKey) != "CURRENCY_ID" { _ = Fixture.keys(&state, .down) }
        guard case .call(let id, let request)? = Fixture.keys(&state, .enter).first else {
            Issue.record("the currency picker did not ask the portal")
            return
        }
        #expect(request.method == "crm.currency.list" && request.recording == .none)
        let rows: JSONValue = ["result": [["CURRENCY": "RUB", "FULL_NAME": "Российский рубль"], ["CURRENCY": "USD", "FULL_NAME": "Доллар США"]]]
        _ = reduce(&state, .answered(id, .call(CallOutcome(trace: LeadFields.trace(request.method), result: .success(rows)))))
        #expect(state.form?.picker?.choices.map(\.id) == ["RUB", "USD"])
        _ = Fixture.keys(&state, .down, .enter)
        #expect(state.form?.model.draft["fields"]?["CURRENCY_ID"] == "USD")
        #expect(render(state, size: state.size).text.contains("USD  Доллар США"))
        // A currency the portal does not have is refused on send.
        state.page.screen = {
            var form = state.form!
            form.model.load(["fields": ["TITLE": "x", "CURRENCY_ID": "1.512abc"]])
            return form
        }()
        _ = Fixture.keys(&state, .ctrl("g"))
        #expect(state.form?.model.inputs.first { $0.key == "CURRENCY_ID" }?.error == "\"1.512abc\" is not one of the portal's currencies; Enter lists them")
    }

    @Test func helpNamesTheFormKeysInPlainWords() {
        let lines = HelpScreen.lines(ConsoleKeymap.defaults)
        for (keys, words) in [("ctrl+g, f9", "send the call"), ("f4", "edit in $EDITOR"), ("ctrl+n", "add an entry"),
                              ("ctrl+x", "remove the entry"), ("c ", "call this method"), ("e ", "edit this call in its form")] {
            #expect(lines.contains { $0.hasPrefix(keys) && $0.contains(words) }, "\(keys): \(words)")
        }
    }

    @Test func theEditorsTextFillsTheFormAndBrokenTextIsKeptAsTyped() throws {
        var state = Fixture.connected()
        LeadFields.open("crm.lead.add", &state)
        guard case .openEditor(let id, let text, _)? = Fixture.keys(&state, KeyEvent(.function(4))).first else {
            Issue.record("F4 did not open the editor")
            return
        }
        #expect(text.hasPrefix("{"))
        _ = reduce(&state, .answered(id, .edited("{\"fields\": {\"TITLE\": \"Из редактора\", \"PHONE\": [{\"VALUE\": \"+49 30 1234\", \"VALUE_TYPE\": \"WORK\"}]}}")))
        #expect(state.form?.model.draft == ["fields": ["TITLE": "Из редактора", "PHONE": [["VALUE": "+49 30 1234", "VALUE_TYPE": "WORK"]]]])
        guard case .openEditor(let second, _, _)? = Fixture.keys(&state, KeyEvent(.function(4))).first else { return }
        _ = reduce(&state, .answered(second, .edited("{\"fields\": {\"TITLE\": ")))
        #expect(state.form?.showsRaw == true && state.form?.brokenRaw == "{\"fields\": {\"TITLE\": ")
        #expect(state.status?.text.hasPrefix("the edited text is not valid JSON") == true)
        #expect(state.form?.model.draft["fields"]?["TITLE"] == "Из редактора", "the form keeps its values")
        _ = Fixture.keys(&state, .escape)
        #expect(state.form?.showsRaw == false, "Esc leaves the raw view, not the form")
        _ = Fixture.keys(&state, KeyEvent(.function(2)))
        #expect(state.form?.showsRaw == true)
        guard case .openEditor(_, let reopened, _)? = Fixture.keys(&state, KeyEvent(.function(4))).first else { return }
        #expect(reopened == "{\"fields\": {\"TITLE\": ", "F4 reopens the text as it was left")
        _ = reduce(&state, .answered(second, .ended("the editor (vi) exited with status 1")))
        #expect(state.status?.text == "the editor (vi) exited with status 1; the form is unchanged")
    }
}
