import B24Catalog
import B24Client
import B24Wire
import TerminalKit

/// What the portal and the editor send back to a form: field metadata, REST 3.0 schemas, status values,
/// lookup hits, and the parameters edited in `$EDITOR`.
extension FormScreen {
    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        switch (id.name, answer) {
        case ("review", .streamed(.reviewed(let result))):
            review?.take(result)
        case ("apply", .streamed(.applied(let applied))):
            review?.take(applied)
            var effects: [Effect] = applied.verified ? [.status(StatusMessage("\(method): verified"))] : []
            if let step = seed.chainStep, let outcome = applied.outcome {
                // The chain run learns the write's answer (the new id flows into the next step's form); its status
                // line, which says how to go on, comes last.
                effects.append(.run(.chain(.stepDone(step, method: method, params: review?.request.params ?? outcome.trace.request.params,
                                                     envelope: try? outcome.result.get(), callID: outcome.trace.id,
                                                     status: outcome.trace.status))))
            }
            return effects
        case ("plan", .streamed(.planSaved(let result))):
            switch result {
            case .success(let id):
                review?.planID = id
                return [.status(StatusMessage("saved as plan \(id): run it once with b24 call --execute-plan \(id)"))]
            case .failure(let failure):
                return [.status(StatusMessage("not saved: " + failure.message, kind: .error))]
            }
        case ("review", .ended(let failure?)), ("apply", .ended(let failure?)):
            review?.take(.failure(ConsoleFailure(failure)))
        case ("editor", .edited(let text)):
            return takeEdited(text)
        case ("editor", .ended(let failure?)):
            return [.status(StatusMessage("\(failure); the form is unchanged", kind: .error))]
        case (let name, .call(let outcome)):
            let result: Result<JSONValue?, ConsoleFailure>
            switch outcome.result {
            case .success(let envelope): result = .success(envelope["result"])
            case .failure(let error): result = .failure(ConsoleFailure(ConsoleWords.error(error)))
            }
            answered(name, result)
        case (let name, .ended(let failure?)):
            answered(name, .failure(ConsoleFailure(failure)))
        default:
            break
        }
        return []
    }

    private mutating func answered(_ name: String, _ result: Result<JSONValue?, ConsoleFailure>) {
        if name == "fields", let entity {
            switch result {
            case .success(let value):
                let fields = entity.fields(in: value)
                guard !fields.isEmpty else {
                    source = "\(entity.fieldsMethod) listed no fields; showing the documented inputs"
                    return
                }
                rebuild(fields: fields)
                source = "fields of this portal (\(entity.fieldsMethod)): \(counted(fields.count, "field")), read-only ones hidden"
            case .failure(let failure):
                // Fields of another type (crm.item with a changed entityTypeId) would be wrong: back to the usual inputs.
                if !model.fields.isEmpty { rebuild(fields: []) }
                source = "could not read \(entity.fieldsMethod) (\(failure.message)); showing the usual inputs"
            }
        } else if name == "schema" {
            switch result {
            case .success(let value):
                let inputs = OpenAPISchema.inputs(for: method, in: value)
                guard !inputs.isEmpty else {
                    source = "the portal's REST 3.0 schema names no parameters; \(documented)"
                    return
                }
                let old = model
                model = FormModel(inputs: inputs)
                model.adopt(old)
                source = "parameters from this portal's REST 3.0 schema (rest.documentation.openapi)"
            case .failure(let failure):
                let message = failure.message
                source = "could not read the REST 3.0 schema (\(message)); \(documented)"
            }
        } else if name.hasPrefix("status:") {
            let type = String(name.dropFirst("status:".count))
            let items = ListedValues.choices(type, in: try? result.get())
            if let items { model.statuses[type] = items }
            if case .value(let i)? = picker?.purpose, model.inputs[i].kind == .status(type) {
                picker?.loading = nil
                switch result {
                case .success: picker?.choices = items ?? []
                case .failure(let failure): picker?.problem = "could not read the values (\(failure.message)); type the value instead"
                }
            }
        } else if name == "lookup#\(lookups)", picker?.isLookup == true {
            picker?.loading = nil
            switch result {
            case .success(let value):
                guard case .lookup(let i)? = picker?.purpose, case .reference(let reference) = model.inputs[i].kind else { return }
                picker?.choices = reference.choices(in: value)
            case .failure(let failure):
                let message = failure.message
                picker?.problem = "the lookup failed: \(message). Type the ID in the form instead."
            }
        }
    }

    /// New inputs from the portal's fields; what was already entered stays.
    mutating func rebuild(fields: [EntityField]) {
        let old = model
        // On the first input, the cursor stays on the first input; elsewhere on the input it was on.
        let atTop = cursor.selected == firstFocusable(from: 0, step: 1)
        let row = cursor.selected
        let focusedPath = atTop ? nil : Self.inputIndex(focusedRow).map { old.inputs[$0].path }
        model = FormModel.build(method: method, spec: spec, entity: entity, fields: fields)
        model.statuses = old.statuses
        model.adopt(old)
        if let focusedPath, let index = model.inputs.firstIndex(where: { $0.path == focusedPath }) {
            focus(.input(index))
        } else {
            cursor.select(firstFocusable(from: atTop ? 0 : row, step: 1), count: rows.count)
        }
    }

    // MARK: - $EDITOR

    /// F4: the parameters as pretty JSON (or the broken text left by the last edit) go to the editor.
    mutating func openEditor() -> KeyResult {
        let text = brokenRaw ?? JSONWriter.pretty(model.draft) + "\n"
        return .handled([.openEditor(.mine("editor"), text: text, name: method)])
    }

    /// The edited text comes back: a JSON object fills the form; anything else is kept as typed, with why.
    private mutating func takeEdited(_ text: String) -> [Effect] {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(text) } catch {
            keepBroken(text, "the edited text is not valid JSON: \(error)")
            return [.status(StatusMessage("\(rawProblem ?? ""); F4 reopens it as you left it", kind: .error))]
        }
        guard case .object = parsed else {
            keepBroken(text, "the parameters must be a JSON object ({…}), not \(parsed.kindName)")
            return [.status(StatusMessage("\(rawProblem ?? ""); F4 reopens it as you left it", kind: .error))]
        }
        brokenRaw = nil
        rawProblem = nil
        model.load(parsed)
        return [.status(StatusMessage("parameters taken from the editor"))]
    }

    private mutating func keepBroken(_ text: String, _ problem: String) {
        brokenRaw = text
        rawProblem = problem
        showsRaw = true
        rawOffset = 0
    }
}
