import B24Catalog
import B24Client
import B24Wire
import Foundation
import TerminalKit

/// A call built in a form (`c` on a method, `:call METHOD`, `e` on a call from history): typed inputs from
/// the portal's field metadata or the method spec, pickers for enumerations, statuses, value types, filter
/// fields and operators, select and order, lookups for users, companies and contacts; a raw JSON view of the same
/// parameters and a round trip through `$EDITOR`. Sending validates every input first; a read opens the
/// inspector at once, a write first opens its ``DiffReview``: the record read, old → new, focus on Cancel.
struct FormScreen: ConsoleScreen, Equatable {
    /// One line of the form.
    enum Row: Equatable {
        case input(Int)
        case entry(Int, Int)
        case condition(Int, Int)
        case term(Int, Int)
        case line(Int, Int)
        /// The validation message of an input (not focusable).
        case problem(Int)
        case send
    }

    let seed: FormSeed
    var method: String { seed.method }
    private(set) var apiVersion: APIVersion
    var model: FormModel
    let entity: EntityMethod?
    /// The bundled spec of the method in this API version, if any.
    let spec: MethodSpec?
    /// Where the inputs came from, for the line under the title.
    var source: String
    /// Where the first inputs came from (the spec, or nothing), before the portal was asked.
    let documented: String
    var cursor = ScrollState()
    var showsRaw = false
    var rawOffset = 0
    /// Text from `$EDITOR` that is not a JSON object, kept as typed (the raw view shows it, F4 reopens it).
    var brokenRaw: String?
    var rawProblem: String?
    var picker: FormPicker?
    var review: DiffReview?
    /// Names of records picked in lookups, by input path and ID (shown beside the ID).
    var pickedNames: [String: String] = [:]
    /// The entityTypeId the fields were read for (crm.item).
    var fieldsFor: Int64?
    var lookups = 0
    /// The values came back from the last time this form was left.
    var restored = false

    init(seed: FormSeed, _ app: ConsoleState) {
        self.seed = seed
        let specs = app.catalog.specs(for: seed.method)
        apiVersion = seed.apiVersion ?? specs.first?.api ?? .v2
        let version = apiVersion
        let spec = specs.first { $0.api == version }
        self.spec = spec
        entity = version == .v2 ? EntityMethod.of(seed.method) : nil
        model = FormModel.build(method: seed.method, spec: spec, entity: entity, fields: [])
        documented = spec != nil ? "inputs from the method's documentation"
            : entity != nil ? "the usual inputs of this kind of method" : "nothing is known of this method: one KEY=VALUE per line"
        source = documented
        if let params = seed.params {
            model.load(params)
        } else if let kept = app.formDrafts[FormSeed.draftKey(seed.method, version)] {
            model.load(kept)
            restored = true
        }
        cursor.select(firstFocusable(from: 0, step: 1), count: rows.count)
    }

    var route: Route { .form(seed) }
    var takesText: Bool { !showsRaw || picker != nil || review != nil }

    /// Every line of the form, in order.
    var rows: [Row] {
        var rows: [Row] = []
        for (index, input) in model.inputs.enumerated() {
            switch input.kind {
            case .multifield: rows += [.input(index)] + input.entries.indices.map { .entry(index, $0) }
            case .filter: rows += [.input(index)] + input.conditions.indices.map { .condition(index, $0) }
            case .order: rows += [.input(index)] + input.terms.indices.map { .term(index, $0) }
            case .pairs: rows += [.input(index)] + input.lines.indices.map { .line(index, $0) }
            default: rows.append(.input(index))
            }
            if input.error != nil { rows.append(.problem(index)) }
        }
        rows.append(.send)
        return rows
    }

    var focusedRow: Row { let all = rows; return all[min(cursor.selected, all.count - 1)] }

    /// The input a row belongs to.
    static func inputIndex(_ row: Row) -> Int? {
        switch row {
        case .input(let i), .entry(let i, _), .condition(let i, _), .term(let i, _), .line(let i, _), .problem(let i): return i
        case .send: return nil
        }
    }

    // MARK: - Opening

    /// What was typed stays with the console when the form is left, and comes back when it is opened again.
    var keptWhenClosed: (key: String, value: JSONValue?)? {
        let draft = model.draft
        return (FormSeed.draftKey(method, apiVersion), draft == .emptyObject ? nil : draft)
    }

    mutating func opened(_ app: ConsoleState) -> [Effect] {
        var effects = readDescription(force: false)
        if restored { effects.append(.status(StatusMessage("the values you left here are back (ctrl+x clears an input)"))) }
        if seed.review, case .handled(let asked) = send(app) { effects += asked }
        return effects
    }

    mutating func refresh(_ app: ConsoleState) -> [Effect] { readDescription(force: true) }

    /// Asks the portal how its fields look (entity methods) or what a REST 3.0 method takes.
    mutating func readDescription(force: Bool) -> [Effect] {
        if let entity {
            let typeID = entity.needsEntityTypeID ? entityTypeID : nil
            guard let request = entity.fieldsRequest(entityTypeID: typeID) else {
                source = "fill entityTypeId: the fields of that type are then read from the portal"
                return []
            }
            if !force, !model.fields.isEmpty, typeID == fieldsFor { return [] }
            fieldsFor = typeID
            source = "asking the portal for its fields (\(request.method))…"
            return [.call(.mine("fields"), request)]
        }
        guard apiVersion == .v3 else { return [] }
        var request = CallRequest(method: "rest.documentation.openapi", apiVersion: .v3)
        request.recording = .none
        source = "reading the REST 3.0 schema (rest.documentation.openapi)…"
        return [.call(.mine("schema"), request)]
    }

    /// crm.item's `entityTypeId`, once it is a number.
    var entityTypeID: Int64? {
        model.inputs.first { $0.key == "entityTypeId" && $0.parent == nil }.flatMap { Int64($0.text.text.trimmingCharacters(in: .whitespaces)) }
    }

    // MARK: - Keys

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if review != nil { return reviewKey(key, app) }
        if picker != nil { return pickerKey(key, app) }
        switch action {
        case .send?: return send(app)
        case .editExternally?: return openEditor()
        case .rawView? where showsRaw || key.typedCharacter == nil:
            showsRaw.toggle()
            rawOffset = 0
            return .handled([])
        default: break
        }
        if showsRaw { return rawKey(action, key) }
        switch key.key {
        case .up, .backTab: move(-1, app)
        case .down, .tab: move(1, app)
        case .pageUp: move(-max(1, pageRows(app) - 2), app)
        case .pageDown: move(max(1, pageRows(app) - 2), app)
        case .escape, .function: return .ignored
        case .enter: return enter(app)
        default:
            if action == .addEntry { return add(app) }
            if action == .removeEntry { return remove() }
            if key == .ctrl("c") || key == .ctrl("l") { return .ignored }
            // Everything else is typing: printable keys never reach the global bindings from a form.
            return edit(key, app)
        }
        return .handled(fieldsForNewType())
    }

    private mutating func rawKey(_ action: KeyAction?, _ key: KeyEvent) -> KeyResult {
        if key.key == .escape {  // back to the inputs, not out of the form
            showsRaw = false
            return .handled([])
        }
        switch action {
        case .up?: rawOffset = max(0, rawOffset - 1)
        case .down?: rawOffset += 1
        case .pageUp?: rawOffset = max(0, rawOffset - 10)
        case .pageDown?: rawOffset += 10
        case .top?: rawOffset = 0
        default: return .ignored
        }
        return .handled([])
    }

    /// Moves the cursor over focusable rows.
    mutating func move(_ delta: Int, _ app: ConsoleState) {
        let all = rows
        var target = min(max(0, cursor.selected + delta), all.count - 1)
        target = firstFocusable(from: target, step: delta < 0 ? -1 : 1)
        cursor.select(target, count: all.count)
    }

    /// The nearest focusable row from `index` in the direction of `step` (problem lines are skipped).
    func firstFocusable(from index: Int, step: Int) -> Int {
        let all = rows
        var i = min(max(0, index), all.count - 1)
        while all.indices.contains(i), case .problem = all[i] { i += step }
        if !all.indices.contains(i) { i = step < 0 ? min(index + 1, all.count - 1) : all.count - 1 }
        return i
    }

    mutating func focus(_ row: Row) {
        if let index = rows.firstIndex(of: row) { cursor.select(index, count: rows.count) }
    }

    /// crm.item: when entityTypeId changed, the fields of the new type are read.
    mutating func fieldsForNewType() -> [Effect] {
        guard let entity, entity.needsEntityTypeID, let typeID = entityTypeID, typeID != fieldsFor else { return [] }
        if case .input(let i) = focusedRow, model.inputs[i].key == "entityTypeId" { return [] }  // still typing it
        return readDescription(force: true)
    }

    private mutating func enter(_ app: ConsoleState) -> KeyResult {
        let row = focusedRow
        switch row {
        case .send: return send(app)
        case .problem: return .handled([])
        case .entry(let i, let e):
            picker = FormPicker(purpose: .entryType(input: i, entry: e), title: "Type of \(model.inputs[i].title)",
                                choices: FormInput.valueTypes(of: model.inputs[i].key).map { Choice(id: $0, title: $0) })
        case .condition(let i, let c): openFieldPicker(.conditionField(input: i, condition: c))
        case .term(let i, let t): model.inputs[i].terms[t].descending.toggle()
        case .line(let i, let l):
            model.inputs[i].lines.insert(EditableText(), at: l + 1)
            focus(.line(i, l + 1))
        case .input(let i):
            let input = model.inputs[i]
            switch input.kind {
            case .choice(let items):
                picker = FormPicker(purpose: .value(input: i), title: input.title, choices: items)
            case .status(let type):
                return .handled(openStatusPicker(i, type))
            case .reference(let reference):
                return .handled(openLookup(i, reference))
            case .yesNo, .boolean: cycleFlag(i)
            case .multifield, .filter, .order, .pairs: return add(app)
            case .select: openFieldPicker(.selectFields(input: i))
            default:
                move(1, app)
                return .handled(fieldsForNewType())
            }
        }
        return .handled([])
    }

    /// Ctrl+N: a new phone, filter condition, order term or KEY=VALUE line where the cursor is.
    private mutating func add(_ app: ConsoleState) -> KeyResult {
        guard let i = Self.inputIndex(focusedRow) else { return hint() }
        switch model.inputs[i].kind {
        case .multifield:
            let types = FormInput.valueTypes(of: model.inputs[i].key)
            model.inputs[i].entries.append(MultiEntry(valueType: types[0]))
            focus(.entry(i, model.inputs[i].entries.count - 1))
        case .filter: openFieldPicker(.conditionField(input: i, condition: nil))
        case .order: openFieldPicker(.orderField(input: i, term: nil))
        case .pairs:
            model.inputs[i].lines.append(EditableText())
            focus(.line(i, model.inputs[i].lines.count - 1))
        default: return hint()
        }
        return .handled([])
    }

    private func hint() -> KeyResult {
        .handled([.status(StatusMessage("ctrl+n adds to phones, e-mails, filters, orders and KEY=VALUE lists; put the cursor on one",
                                        kind: .warning))])
    }

    /// Ctrl+X: removes the entry, condition, term or line under the cursor, or clears the input.
    private mutating func remove() -> KeyResult {
        if let i = Self.inputIndex(focusedRow) { model.inputs[i].error = nil }
        switch focusedRow {
        case .entry(let i, let e): model.inputs[i].entries.remove(at: e)
        case .condition(let i, let c): model.inputs[i].conditions.remove(at: c)
        case .term(let i, let t): model.inputs[i].terms.remove(at: t)
        case .line(let i, let l):
            model.inputs[i].lines.remove(at: l)
            if model.inputs[i].lines.isEmpty { model.inputs[i].lines = [EditableText()] }
        case .input(let i):
            model.inputs[i].text = EditableText()
            model.inputs[i].picks = []
        case .problem, .send: return .handled([])
        }
        cursor.select(min(cursor.selected, rows.count - 1), count: rows.count)
        return .handled([])
    }

    /// Typing into the row under the cursor.
    private mutating func edit(_ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        switch focusedRow {
        case .input(let i):
            let input = model.inputs[i]
            switch input.kind {
            case .yesNo, .boolean:
                switch key.typedCharacter?.lowercased() {
                case " ": cycleFlag(i)
                case "y", "t", "1": model.inputs[i].text = EditableText(input.kind == .yesNo ? "Y" : "true")
                case "n", "f", "0": model.inputs[i].text = EditableText(input.kind == .yesNo ? "N" : "false")
                default: if key.key == .backspace || key.key == .delete { model.inputs[i].text = EditableText() }
                }
            case .choice, .status, .select:
                if key.key == .backspace || key.key == .delete {
                    model.inputs[i].text = EditableText()
                    if !model.inputs[i].picks.isEmpty { model.inputs[i].picks.removeLast() }
                } else if let typed = key.typedCharacter, typed != " " {
                    let effects = enter(app)
                    picker?.query = EditableText(String(typed))
                    return effects
                }
            case .multifield, .filter, .order, .pairs:
                // Typing goes into an entry's own line; say how to get one.
                if key.typedCharacter != nil {
                    return .handled([.status(StatusMessage("enter adds a line to \(input.title); type in that line", kind: .warning))])
                }
            default:
                if model.inputs[i].text.handle(key) { model.inputs[i].error = nil }
            }
        case .entry(let i, let e): if model.inputs[i].entries[e].value.handle(key) { model.inputs[i].error = nil }
        case .condition(let i, let c): if model.inputs[i].conditions[c].value.handle(key) { model.inputs[i].error = nil }
        case .line(let i, let l): if model.inputs[i].lines[l].handle(key) { model.inputs[i].error = nil }
        case .term(let i, let t): if key.typedCharacter == " " { model.inputs[i].terms[t].descending.toggle() }
        case .problem, .send: break
        }
        return .handled([])
    }

    /// Y/N and true/false inputs: not set → yes → no → not set.
    private mutating func cycleFlag(_ i: Int) {
        let yes = model.inputs[i].kind == .yesNo ? "Y" : "true"
        let no = model.inputs[i].kind == .yesNo ? "N" : "false"
        let next = switch model.inputs[i].text.text { case yes: no; case no: ""; default: yes }
        model.inputs[i].text = EditableText(next)
        model.inputs[i].error = nil
    }

    // MARK: - Sending

    /// Validates every input; a read goes out at once, a write opens the review.
    mutating func send(_ app: ConsoleState) -> KeyResult {
        if brokenRaw != nil {
            return .handled([.status(StatusMessage("the edited JSON does not parse (F2 shows it); F4 reopens it to fix", kind: .error))])
        }
        guard let params = model.validated() else {
            let wrong = model.inputs.filter { $0.error != nil }
            if let first = model.inputs.firstIndex(where: { $0.error != nil }) { focus(.input(first)) }
            let names = wrong.prefix(3).map { "\($0.title) (\($0.error ?? ""))" }.joined(separator: ", ")
            return .handled([.status(StatusMessage("\(counted(wrong.count, "input")) to fix before sending: \(names)", kind: .error))])
        }
        var draft = CallDraft(method: method, params: params, apiVersion: apiVersion)
        draft.chainStep = seed.chainStep
        let risk = Guardrails.risk(of: method, params: params, catalog: app.catalog)
        guard risk.mayChangeData else { return .handled([.run(.open(.send(draft)))]) }
        if app.readOnlyFlag || app.connection?.readOnly == true {
            let whose = app.readOnlyFlag ? "this console was started read-only" : "profile \(app.connection?.profile ?? "") is read-only"
            return .handled([.status(StatusMessage("\(method) changes data (\(risk)) and \(whose): nothing was sent", kind: .error))])
        }
        var request = CallRequest(method: draft.method, params: draft.params, apiVersion: draft.apiVersion)
        request.group = seed.chainStep?.group  // a chain step's write is grouped with its run in history
        return .handled(openReview(request, risk: risk, app))
    }

    /// Opens the review of a write and asks the client for its diff.
    mutating func openReview(_ request: CallRequest, risk: RiskClass, _ app: ConsoleState) -> [Effect] {
        review = DiffReview(request: request, risk: risk, production: app.connection?.production == true)
        // What an earlier check said no longer applies.
        return [.status(nil), .stream(.mine("review"), .review(request))]
    }

    private mutating func reviewKey(_ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        guard var review else { return .ignored }
        if key == .ctrl("c") { return .ignored }  // quits, as everywhere
        // Once written (or on the way out), a chain run's next and skip keys go on to the run.
        if review.phase == .done, seed.chainStep != nil,
           [.nextStep, .skipStep].contains(app.keymap.keyAction(for: key)) { return .ignored }
        let outcome = review.key(key)
        self.review = review
        switch outcome {
        case .stay:
            return .handled([])
        case .close:
            let written = review.phase == .done
            self.review = nil
            return .handled([.cancel(.mine("review")), .cancel(.mine("apply")),
                             .status(StatusMessage(written ? "review closed" : "not sent"))])
        case .apply(let confirmWrite, let confirmDestructive):
            // The confirmation is bound to the diff shown: it covers only the parameters that were reviewed.
            guard let reviewed = review.reviewed, review.covers(reviewed.request.method, reviewed.request.params, reviewed.request.apiVersion)
            else { return .handled([]) }
            self.review?.phase = .applying
            self.review?.lines = [[Span("checking the record has not moved, writing, reading it back…", .muted)]]
            // Each confirmed send is a new write.
            return .handled([.stream(.mine("apply"), .applyReview(reviewed, confirmWrite: confirmWrite,
                                                                   confirmDestructive: confirmDestructive,
                                                                   idempotencyKey: UUID().uuidString))])
        case .revert:
            guard let reviewed = review.reviewed, let applied = review.applied else { return .handled([]) }
            var next = DiffReview(request: reviewed.request, risk: reviewed.diff.risk, production: review.production)
            next.lines = [[Span("building the inverse write and reading the record…", .muted)]]
            self.review = next
            return .handled([.stream(.mine("review"), .reviewRevert(reviewed, applied))])
        case .reviewAgain:
            return .handled(openReview(review.request, risk: review.risk, app))
        case .savePlan:
            guard let reviewed = review.reviewed else { return .handled([]) }
            return .handled([.stream(.mine("plan"), .saveReviewedPlan(reviewed))])
        }
    }
}
