import B24Catalog
import B24Wire
import Foundation

extension B24Client {
    /// Stores a reviewed write as a plan with the old values of the fields it writes: executing it later on a
    /// record whose written fields moved is refused as stale (``Refusal/Gate/stalePlan``).
    public func plan(_ reviewed: ReviewedWrite, now: Date = Date()) throws -> StoredPlan {
        var plan = try self.plan(reviewed.request, now: now)
        let commands = reviewed.diff.commands.map { command -> JSONValue in
            ["key": command.key.map { .string($0) } ?? .null, "oldValues": .object(command.oldValues)]
        }
        plan.expected = ["summary": .string(reviewed.diff.summary), "commands": .array(commands)]
        plan.diffHash = reviewed.diff.hash
        // The plan row was written without them: write it again whole (same id, still unused).
        try store().replacePlanReview(plan)
        return plan
    }

    /// Reviews a stored plan before it runs (the console's `:plan ID`): refused when it is unknown, of another
    /// profile, used or expired, and as stale (``Refusal/Gate/stalePlan``, with the moved fields) when the fields
    /// it writes moved since its review; otherwise the diff of its call as the record is now.
    public func reviewPlan(id: String, now: Date = Date()) async -> Result<ReviewedWrite, B24Error> {
        let plan: StoredPlan
        do {
            guard let stored = try store().plan(id: id) else {
                throw B24Error.policy("no plan with id \(id) (make one with --plan-only, or Ctrl-P in a review)")
            }
            plan = stored
        } catch {
            return .failure((error as? B24Error) ?? .usage("\(error)"))
        }
        if plan.profile != identity {
            return .failure(.policy("plan \(plan.id) was made for profile \(plan.profile), not \(identity); plans run only on their own profile"))
        }
        if plan.usedAt != nil { return .failure(.policy("plan \(plan.id) was already executed; plans run once, make a new one")) }
        if plan.expiresAt <= now { return .failure(.policy("plan \(plan.id) has expired; review the call and make a new plan")) }
        if plan.expected != nil {
            let moved = await staleFields(of: plan)
            if !moved.isEmpty {
                var refusal = Refusal(gate: .stalePlan, method: plan.method, risk: RiskClass(rawValue: plan.risk))
                refusal.moved = moved
                return .failure(.refused(refusal))
            }
        }
        var request = CallRequest(method: plan.method, params: plan.params, apiVersion: plan.apiVersion)
        request.planID = plan.id
        return await review(request)
    }

    /// The written fields of a reviewed plan that no longer hold the values the review showed.
    func staleFields(of plan: StoredPlan) async -> [MovedField] {
        let request = CallRequest(method: plan.method, params: plan.params, apiVersion: plan.apiVersion)
        guard let commands = try? reviewCommands(request) else { return [] }
        let expected = plan.expected?["commands"]?.arrayValue ?? []
        var moved: [MovedField] = []
        for (command, stored) in zip(commands, expected) {
            let oldValues = stored["oldValues"]?.objectValue ?? [:]
            guard !oldValues.isEmpty else { continue }
            let entity: ReadableEntity
            switch command.effect {
            case .update(let e), .action(let e, _), .delete(let e): entity = e
            default: continue
            }
            let now = try? await readRecord(entity, command.params, version: plan.apiVersion).get()
            for (code, old) in oldValues {
                let current = now.flatMap { DiffEngine.lookup($0, code) }
                guard now == nil || !ValueComparison.same(old, current, type: nil) else { continue }
                var written: JSONValue?
                if case .action(_, let implied) = command.effect { written = implied[code] } else {
                    written = DiffEngine.values(command.params, entity)[code]
                }
                func shown(_ value: JSONValue?) -> JSONValue? {
                    guard let value else { return nil }
                    return SecretFields.isSecret(code) && !ValueComparison.isEmpty(value) ? "****" : redactor.redact(json: value)
                }
                moved.append(MovedField(command: command.key, code: code, title: code, seen: shown(old),
                                        now: shown(current), write: shown(written)))
            }
        }
        return moved
    }

    /// The write that undoes an applied one, from the old values the review stored: an update writes the old
    /// values back (multifield entries added are deleted, deleted ones added again, changed ones restored); an
    /// add deletes the record it created. It is itself a write to review. Nil, with the reason, when there is no
    /// inverse (a batch, a delete, a call with no preview, a write that did not succeed).
    public func revertRequest(of reviewed: ReviewedWrite, applied: AppliedWrite) -> Result<CallRequest, B24Error> {
        guard applied.succeeded else { return .failure(.usage("nothing to revert: the write did not succeed")) }
        guard reviewed.diff.commands.count == 1, let diff = reviewed.diff.commands.first,
              let command = (try? reviewCommands(reviewed.request))?.first
        else { return .failure(.usage("a batch is reverted command by command; b24 does not build its inverse")) }
        switch command.effect {
        case .add(let entity):
            guard let id = applied.createdID else { return .failure(.usage("the id of the created record is unknown")) }
            var params: JSONObject = [entity.idParam: .string(id)]
            for name in entity.scopeParams {
                if let value = command.params.member(caseInsensitive: name) { params[name] = value }
            }
            let method = entity.name + ".delete"
            return .success(CallRequest(method: method, params: .object(params), apiVersion: reviewed.request.apiVersion))
        case .update(let entity):
            var fields = JSONObject()
            let after = applied.after[""] ?? .null
            for change in diff.changes {
                guard let old = diff.oldValues[change.code] else { continue }
                if change.entries.isEmpty {
                    fields[change.code] = ValueComparison.isEmpty(old) ? .string("") : old
                    continue
                }
                fields[change.code] = .array(inverseEntries(change.entries, seen: old, after: DiffEngine.lookup(after, change.code)))
            }
            guard !fields.isEmpty else { return .failure(.usage("the write changed nothing to revert")) }
            var params: JSONObject = [entity.idParam: command.params.member(caseInsensitive: entity.idParam) ?? .null]
            for name in entity.scopeParams {
                if let value = command.params.member(caseInsensitive: name) { params[name] = value }
            }
            params[entity.valuesParam] = .object(fields)
            return .success(CallRequest(method: reviewed.request.method, params: .object(params),
                                        apiVersion: reviewed.request.apiVersion))
        case .delete:
            return .failure(.usage("a deleted record cannot be brought back by b24 (its id is gone); add it again by hand"))
        case .action:
            return .failure(.usage("\(command.method) has no inverse call"))
        case .noPreview:
            return .failure(.usage("\(command.method) had no preview, so b24 has no old values to restore"))
        }
    }

    /// The multifield entries that undo `entries`: added ones (found by value among the entries after the write,
    /// and not among those seen) are deleted, deleted ones are added again, changed ones get their old value back.
    private func inverseEntries(_ entries: [EntryChange], seen: JSONValue, after: JSONValue?) -> [JSONValue] {
        let seenIDs = Set((seen.arrayValue ?? []).compactMap { $0["ID"]?.stringValue })
        var claimed: Set<String> = []
        var inverse: [JSONValue] = []
        for entry in entries {
            switch entry.kind {
            case .added:
                let match = (after?.arrayValue ?? []).first { candidate in
                    guard let id = candidate["ID"]?.stringValue else { return false }
                    return !seenIDs.contains(id) && !claimed.contains(id) && candidate["VALUE"]?.stringValue == entry.newValue
                }
                if let id = match?["ID"]?.stringValue {
                    claimed.insert(id)
                    inverse.append(["ID": .string(id), "VALUE": ""])
                }
            case .deleted:
                inverse.append(["VALUE": .string(entry.oldValue ?? ""), "VALUE_TYPE": .string(entry.oldType ?? "WORK")])
            case .changed:
                guard let id = entry.id else { continue }
                inverse.append(["ID": .string(id), "VALUE": .string(entry.oldValue ?? ""),
                                "VALUE_TYPE": .string(entry.oldType ?? "WORK")])
            }
        }
        return inverse
    }
}
