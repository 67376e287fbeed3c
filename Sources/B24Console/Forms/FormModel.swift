import B24Catalog
import B24Wire
import TerminalKit

/// The inputs of a call form, built from what is known of the method, and the parameters they make.
///
/// Sources, best first: the live portal's field metadata for entity methods (`crm.lead.fields`…), the
/// bundled method spec, a REST 3.0 schema from `rest.documentation.openapi`; a method nothing is known of gets
/// `KEY=VALUE` lines. Whatever the raw JSON holds that no input takes is kept as an extra input, so a round trip
/// through the raw view or `$EDITOR` loses nothing.
struct FormModel: Equatable, Sendable {
    var inputs: [FormInput]
    /// The entity's fields as the portal describes them (empty until they arrive, or when there are none).
    var fields: [EntityField] = []
    /// Values of `crm_status` lists read so far, by status type: a value not among them is refused.
    var statuses: [String: [Choice]] = [:]

    /// The kind of input a filter condition on `code` takes.
    func kind(ofField code: String) -> InputKind {
        fields.first { $0.code == code }.map(Self.kind(of:)) ?? .text
    }

    /// The parameters, or the inputs that are wrong (their `error` set). Empty inputs are not sent.
    mutating func validated() -> JSONValue? {
        var params = JSONObject()
        var failed = false
        let fields = self
        for index in inputs.indices {
            inputs[index].error = nil
            do {
                guard let value = try inputs[index].encoded({ fields.kind(ofField: $0) }) else { continue }
                if case .status(let type) = inputs[index].kind, let known = statuses[type] {
                    for item in value.arrayValue ?? [value] where !known.contains(where: { $0.id == item.stringValue }) {
                        let list = type == ListedValues.currencies ? "the portal's currencies" : type
                        throw InputProblem("\"\(item.stringValue ?? "")\" is not one of \(list); Enter lists them")
                    }
                }
                Self.place(value, of: inputs[index], in: &params)
            } catch let problem as InputProblem {
                inputs[index].error = problem.message
                failed = true
            } catch {
                inputs[index].error = "\(error)"
                failed = true
            }
        }
        return failed ? nil : .object(params)
    }

    /// The parameters as far as they can be made: an input that does not parse is left out. (The raw view
    /// shows this; sending validates.)
    var draft: JSONValue {
        var params = JSONObject()
        for input in inputs {
            guard let value = try? input.encoded({ kind(ofField: $0) }, strict: false) else { continue }
            Self.place(value, of: input, in: &params)
        }
        return .object(params)
    }

    private static func place(_ value: JSONValue, of input: FormInput, in params: inout JSONObject) {
        if input.kind == .pairs, case .object(let object) = value {
            for (key, member) in object { params[key] = member }
        } else if let parent = input.parent {
            var nested = params[parent]?.objectValue ?? [:]
            nested[input.key] = value
            params[parent] = .object(nested)
        } else {
            params[input.key] = value
        }
    }

    /// Puts JSON parameters into the inputs. Inputs the JSON does not name are cleared; members no input takes
    /// become extra JSON inputs (or `KEY=VALUE` lines when the form has them).
    mutating func load(_ params: JSONValue) {
        let object = params.objectValue ?? [:]
        var taken = Set<String>()
        for index in inputs.indices where inputs[index].kind != .pairs {
            let input = inputs[index]
            var cleared = FormInput(key: input.key, parent: input.parent, title: input.title, note: input.note, kind: input.kind,
                                    required: input.required, multiple: input.multiple, example: input.example)
            let value = input.parent.map { object[$0]?.objectValue?[input.key] } ?? object[input.key]
            if let value, !value.isNull { cleared.load(value) }
            inputs[index] = cleared
            taken.insert(input.path)
        }
        var extra = JSONObject()
        for (key, value) in object {
            if taken.contains(key) { continue }
            if case .object(let members) = value, inputs.contains(where: { $0.parent == key }) {
                for (member, inner) in members where !taken.contains("\(key).\(member)") {
                    inputs.append(Self.extra(member, parent: key, inner))
                }
                continue
            }
            extra[key] = value
        }
        if let pairs = inputs.firstIndex(where: { $0.kind == .pairs }) {
            inputs[pairs].load(.object(extra))
            if inputs[pairs].lines.isEmpty { inputs[pairs].lines = [EditableText()] }
        } else {
            for (key, value) in extra { inputs.append(Self.extra(key, parent: nil, value)) }
        }
    }

    /// Takes over what was entered in `old` (a form rebuilt when the portal's fields arrived): same input,
    /// same values; an input the new form lacks is kept as it was.
    mutating func adopt(_ old: FormModel) {
        for previous in old.inputs where !previous.isEmpty {
            guard let index = inputs.firstIndex(where: { $0.path == previous.path && $0.kind != .pairs }) else {
                if previous.kind == .pairs, let pairs = inputs.firstIndex(where: { $0.kind == .pairs }) {
                    inputs[pairs].lines = previous.lines
                } else {
                    inputs.append(previous)
                }
                continue
            }
            if inputs[index].kind == previous.kind {
                inputs[index].text = previous.text
                inputs[index].entries = previous.entries
                inputs[index].conditions = previous.conditions
                inputs[index].picks = previous.picks
                inputs[index].terms = previous.terms
            } else if let value = try? previous.encoded({ old.kind(ofField: $0) }, strict: false) {
                // Another kind reads the text differently (JSON "\"a\"" is the text a): through the value.
                inputs[index].load(value)
            }
        }
    }

    private static func extra(_ key: String, parent: String?, _ value: JSONValue) -> FormInput {
        var input = FormInput(key: key, parent: parent, title: key, note: "not described by the method; sent as given", kind: .json)
        input.load(value)
        return input
    }

    // MARK: - Building

    /// A form for `method` from its spec (nil: none bundled), the entity it works on (nil: none), and the
    /// portal's fields of that entity (empty: not known yet).
    static func build(method: String, spec: MethodSpec?, entity: EntityMethod?, fields: [EntityField]) -> FormModel {
        var inputs: [FormInput] = []
        let params = spec?.params ?? entity.map(standardParams) ?? []
        for param in params {
            inputs += self.inputs(for: param, entity: entity, fields: fields)
        }
        if params.isEmpty, entity == nil {
            var pairs = FormInput(key: "", title: "Parameters", note: "one KEY=VALUE per line; a JSON value is sent as JSON",
                                  kind: .pairs)
            pairs.lines = [EditableText()]
            inputs.append(pairs)
        }
        return FormModel(inputs: inputs, fields: fields)
    }

    /// Inputs for an entity's task fields that the portal does not mark: people are users (a lookup), and the
    /// dates and counters the portal keeps itself are not for writing.
    static let taskPeople: Set<String> = ["CREATED_BY", "RESPONSIBLE_ID", "ACCOMPLICES", "AUDITORS", "CHANGED_BY", "CLOSED_BY",
                                          "STATUS_CHANGED_BY"]
    static let taskKeptByPortal: Set<String> = ["CREATED_DATE", "CHANGED_DATE", "CHANGED_BY", "STATUS_CHANGED_BY", "STATUS_CHANGED_DATE",
                                                "CLOSED_BY", "CLOSED_DATE", "ACTIVITY_DATE", "VIEWED_DATE", "COMMENTS_COUNT",
                                                "SERVICE_COMMENTS_COUNT", "NEW_COMMENTS_COUNT", "TIME_SPENT_IN_LOGS", "FORUM_TOPIC_ID",
                                                "FORUM_ID", "DURATION_FACT", "NOT_VIEWED", "FAVORITE", "SORTING"]

    /// The inputs one parameter of the spec becomes.
    private static func inputs(for param: ParamSpec, entity: EntityMethod?, fields: [EntityField]) -> [FormInput] {
        let name = param.name
        let lower = name.lowercased()
        if let entity, !fields.isEmpty {
            if lower == entity.valuesParam.lowercased(), entity.verb == .add || entity.verb == .update {
                return fields.filter { !$0.isReadOnly }.map { field in
                    FormInput(key: field.code, parent: name, title: field.title,
                                          note: field.isCustom ? "custom field \(field.code) (\(field.type))" : field.type,
                                          kind: kind(of: field), required: entity.verb == .add && field.isRequired,
                                          multiple: field.isMultiple && field.type != "crm_multifield",
                                          example: field.defaultValue.map { "default: \($0)" })
                }
            }
            if entity.verb == .list {
                switch lower {
                case "filter": return [FormInput(key: name, title: "Filter", note: param.description, kind: .filter)]
                case "select": return [FormInput(key: name, title: "Select", note: param.description, kind: .select)]
                case "order": return [FormInput(key: name, title: "Order", note: param.description, kind: .order)]
                default: break
                }
            }
        }
        if let members = param.fields, !members.isEmpty, entity == nil || fields.isEmpty {
            return members.map { member in
                FormInput(key: member.name, parent: name, title: member.name, note: member.description,
                          kind: kind(of: member.type), required: member.required, example: member.example)
            }
        }
        if entity?.verb == .list, lower == "select", param.type == .array {
            return [FormInput(key: name, title: name, note: param.description, kind: .words, example: "ID, TITLE")]
        }
        return [FormInput(key: name, title: name, note: param.description, kind: kind(of: param.type), required: param.required,
                          example: param.example)]
    }

    /// Parameters of an entity method with no bundled spec (e.g. crm.item.add), by its verb.
    private static func standardParams(_ entity: EntityMethod) -> [ParamSpec] {
        var params: [ParamSpec] = []
        if entity.needsEntityTypeID {
            params.append(ParamSpec(name: "entityTypeId", type: .integer, required: true,
                                    description: "1 lead, 2 deal, 3 contact, 4 company, or a smart process type"))
        }
        switch entity.verb {
        case .add: params.append(ParamSpec(name: entity.valuesParam, type: .object, required: true, description: "Field values"))
        case .update:
            params.append(ParamSpec(name: entity.idParam, type: .integer, required: true, description: "ID of the record"))
            params.append(ParamSpec(name: entity.valuesParam, type: .object, required: true, description: "Field values to change"))
        case .get, .delete:
            params.append(ParamSpec(name: entity.idParam, type: .integer, required: true, description: "ID of the record"))
        case .list:
            params += [ParamSpec(name: "select", type: .array, required: false, description: "Fields to return"),
                       ParamSpec(name: "filter", type: .object, required: false, description: "Conditions"),
                       ParamSpec(name: "order", type: .object, required: false, description: "Sort"),
                       ParamSpec(name: "start", type: .integer, required: false, description: "Page offset; -1 skips the count")]
        }
        return params
    }

    /// The input for a spec parameter type.
    static func kind(of type: ParamType) -> InputKind {
        switch type {
        case .string: return .text
        case .integer: return .integer
        case .boolean: return .boolean
        case .double: return .double
        case .date: return .date
        case .datetime: return .datetime
        case .object, .array, .file, .any: return .json
        }
    }

    /// The input for a portal field type.
    static func kind(of field: EntityField) -> InputKind {
        if let reference = Reference(fieldType: field.type) { return .reference(reference) }
        switch field.type {
        case "integer", "crm_category", "crm_lead", "crm_deal", "crm_quote", "iblock_element", "iblock_section": return .integer
        case "double": return .double
        case "money": return .money
        case "char", "boolean": return .yesNo
        case "date": return .date
        case "datetime": return .datetime
        case "enumeration", "enum": return .choice(field.items)
        case "crm_status": return field.statusType.map(InputKind.status) ?? .text
        case "crm_currency": return .status(ListedValues.currencies)
        case "crm_multifield": return .multifield
        case "file", "location", "address", "crm", "crm_entity", "object", "array", "disk_file": return .json
        default: return .text
        }
    }
}
