import B24Client
import B24Wire
import TerminalKit

/// The form's pickers: fixed lists, statuses read from the portal, field and operator pickers of the filter
/// builder, select and order pickers, and lookups that search the portal.
extension FormScreen {
    /// The entity's fields as choices (code and title); typed text is taken as a field name when none matches.
    var fieldChoices: [Choice] {
        model.fields.map { Choice(id: $0.code, title: $0.title == $0.code ? $0.type : "\($0.title) · \($0.type)") }
    }

    mutating func openFieldPicker(_ purpose: FormPicker.Purpose) {
        switch purpose {
        case .selectFields(let i):
            var choices = [Choice(id: "*", title: "all standard fields"), Choice(id: "UF_*", title: "all custom fields")]
            choices += fieldChoices
            picker = FormPicker(purpose: purpose, title: "Fields to return", choices: choices, multi: true, chosen: model.inputs[i].picks)
        case .conditionField:
            picker = FormPicker(purpose: purpose, title: "Filter on which field?", choices: fieldChoices)
        case .orderField:
            picker = FormPicker(purpose: purpose, title: "Sort by which field?", choices: fieldChoices)
        default:
            break
        }
    }

    mutating func openStatusPicker(_ i: Int, _ type: String) -> [Effect] {
        var picker = FormPicker(purpose: .value(input: i), title: model.inputs[i].title, choices: model.statuses[type] ?? [])
        defer { self.picker = picker }
        guard model.statuses[type] == nil else { return [] }
        let request = ListedValues.request(type)
        picker.loading = "reading the values (\(request.method))…"
        return [.call(.mine("status:" + type), request)]
    }

    mutating func openLookup(_ i: Int, _ reference: Reference) -> [Effect] {
        let text = model.inputs[i].text.text.trimmingCharacters(in: .whitespaces)
        picker = FormPicker(purpose: .lookup(input: i), title: "Find a \(reference.entity)", choices: [])
        // An ID already typed is kept; a name is searched at once.
        guard !text.isEmpty, Int64(text) == nil else { return [] }
        picker?.query = EditableText(text)
        return search(reference)
    }

    /// Sends the lookup's query to the portal; only the newest search's answer is shown.
    mutating func search(_ reference: Reference) -> [Effect] {
        guard var picker else { return [] }
        let text = picker.query.text.trimmingCharacters(in: .whitespaces)
        lookups += 1
        picker.loading = "searching the portal for \"\(text)\"…"
        picker.problem = nil
        picker.searched = picker.query.text
        picker.choices = []
        picker.cursor = ScrollState()
        self.picker = picker
        return [.call(.mine("lookup#\(lookups)"), reference.searchRequest(text))]
    }

    mutating func pickerKey(_ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        guard var picker else { return .ignored }
        if key == .ctrl("c") { return .ignored }  // quits, as everywhere
        if key.key == .escape {
            self.picker = nil
            return .handled([])
        }
        if key.key == .enter {
            if picker.isLookup, case .lookup(let i) = picker.purpose, case .reference(let reference) = model.inputs[i].kind,
               picker.query.text != picker.searched || picker.current == nil, picker.loading == nil
            {
                return .handled(search(reference))
            }
            return .handled(choose(picker))
        }
        if picker.multi, key.typedCharacter == " " {
            picker.toggleCurrent()
        } else {
            _ = picker.handleListKey(key, viewport: max(3, pageRows(app) - 6))
        }
        self.picker = picker
        return .handled([])
    }

    /// Applies the picked choice (or the typed text, for a field name no choice matches).
    mutating func choose(_ picker: FormPicker) -> [Effect] {
        let typed = picker.query.text.trimmingCharacters(in: .whitespaces)
        let id = picker.current?.id ?? (picker.isLookup || picker.multi ? nil : typed.isEmpty ? nil : typed)
        self.picker = nil
        if let input = Self.inputIndex(for: picker.purpose) { model.inputs[input].error = nil }  // it changed: checked again on send
        switch picker.purpose {
        case .value(let i):
            guard let id else { return [] }
            model.inputs[i].text = EditableText(id)
            model.inputs[i].error = nil
        case .entryType(let i, let e):
            if let id { model.inputs[i].entries[e].valueType = id }
        case .conditionField(let i, let c):
            guard let id else { return [] }
            var index = c ?? model.inputs[i].conditions.count
            if let c { model.inputs[i].conditions[c].field = id } else {
                model.inputs[i].conditions.append(FilterCondition(field: id, op: .equal))
                index = model.inputs[i].conditions.count - 1
            }
            focus(.condition(i, index))
            self.picker = FormPicker(purpose: .conditionOperator(input: i, condition: index), title: "How should \(id) compare?",
                                     choices: FilterOperator.allCases.map { Choice(id: $0.rawValue, title: $0.meaning) })
        case .conditionOperator(let i, let c):
            if let id, let op = FilterOperator(rawValue: id) { model.inputs[i].conditions[c].op = op }
            focus(.condition(i, c))
        case .selectFields(let i):
            var chosen = picker.chosen
            if chosen.isEmpty, !typed.isEmpty { chosen = InputKind.words(typed) }  // names typed by hand
            model.inputs[i].picks = chosen
        case .orderField(let i, let t):
            guard let id else { return [] }
            if let t { model.inputs[i].terms[t].field = id } else { model.inputs[i].terms.append(OrderTerm(field: id)) }
            focus(.term(i, t ?? model.inputs[i].terms.count - 1))
        case .lookup(let i):
            guard let choice = picker.current else { return [] }
            // Several references (CONTACT_IDS) collect IDs; one reference takes the picked ID.
            let previous = InputKind.words(model.inputs[i].text.text).filter { Int64($0) != nil }
            let ids = model.inputs[i].multiple ? previous.filter { $0 != choice.id } + [choice.id] : [choice.id]
            model.inputs[i].text = EditableText(ids.joined(separator: ", "))
            model.inputs[i].error = nil
            pickedNames["\(model.inputs[i].path)#\(choice.id)"] = choice.title
        }
        return []
    }

    /// The input a picker works on.
    static func inputIndex(for purpose: FormPicker.Purpose) -> Int? {
        switch purpose {
        case .value(let i), .entryType(let i, _), .conditionField(let i, _), .conditionOperator(let i, _), .selectFields(let i),
             .orderField(let i, _), .lookup(let i): return i
        }
    }

    /// The title of a picked value, when the form knows it (enumeration item, status, looked-up record).
    func title(of value: String, in input: FormInput) -> String? {
        switch input.kind {
        case .choice(let items): return items.first { $0.id == value }?.title
        case .status(let type): return model.statuses[type]?.first { $0.id == value }?.title
        case .reference:
            let names = InputKind.words(value).compactMap { pickedNames["\(input.path)#\($0)"] }
            return names.isEmpty ? nil : names.joined(separator: ", ")
        default: return nil
        }
    }
}
