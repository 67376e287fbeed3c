import B24Catalog
import B24Wire
import Foundation

/// A written field that moved on the portal after the diff was shown: what was seen, what is there now, what
/// the write would send (masked like the diff).
public struct MovedField: Sendable, Equatable {
    public var command: String?
    public var code: String
    public var title: String
    public var seen: JSONValue?
    public var now: JSONValue?
    public var write: JSONValue?

    public init(command: String?, code: String, title: String, seen: JSONValue?, now: JSONValue?, write: JSONValue?) {
        self.command = command
        self.code = code
        self.title = title
        self.seen = seen
        self.now = now
        self.write = write
    }
}

/// What became of one written field, read back after the write.
public struct FieldVerdict: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        /// The record holds what was written.
        case applied
        /// The record still holds the old value: the portal ignored the write.
        case ignored
        /// The record holds a third value: someone else changed it in between.
        case changedByOther = "changed by someone else"
    }

    public var command: String?
    public var code: String
    public var title: String
    public var verdict: Verdict

    public init(command: String?, code: String, title: String, verdict: Verdict) {
        self.command = command
        self.code = code
        self.title = title
        self.verdict = verdict
    }
}

/// The outcome of applying a reviewed write.
public struct AppliedWrite: Sendable {
    public enum Status: String, Sendable, Equatable {
        /// Every value was already there: nothing was sent.
        case nothingToSend
        /// A written field moved since the review: nothing was sent (see ``AppliedWrite/moved``).
        case stale
        /// The call was made (see ``AppliedWrite/outcome`` for its result).
        case sent
    }

    public var status: Status
    /// The call's outcome when it was sent (or refused by a guardrail).
    public var outcome: CallOutcome?
    /// The three-way view of written fields that moved (status ``Status/stale``).
    public var moved: [MovedField] = []
    /// Fields the write does not touch that changed since the review (written anyway).
    public var otherChanges: [String] = []
    /// Each written field as read back after the write.
    public var verdicts: [FieldVerdict] = []
    /// The records read back after the write, by command key ("" for a plain call).
    public var after: [String: JSONValue] = [:]
    /// The id a created record got (add).
    public var createdID: String?

    public init(status: Status, outcome: CallOutcome? = nil) {
        self.status = status
        self.outcome = outcome
    }

    /// True when the call succeeded and every written field holds what was written.
    public var verified: Bool {
        guard status == .sent, let outcome, (try? outcome.result.get()) != nil else { return false }
        return !verdicts.isEmpty && verdicts.allSatisfy { $0.verdict == .applied }
    }

    /// True when the write went out and the portal answered with success.
    public var succeeded: Bool { status == .sent && (try? outcome?.result.get()) != nil }
}

extension B24Client {
    /// Applies a reviewed write: re-reads every target first, and sends nothing when a written field moved since
    /// the review (the three-way view is in the answer); sends it otherwise (fields that moved but are not written
    /// are listed); then reads every target back and marks each written field applied, ignored, or changed by
    /// someone else. The confirmation flags go through the guardrails as for any call; the audit line carries the
    /// diff's hash and its change summary.
    public func apply(_ reviewed: ReviewedWrite, confirmWrite: Bool, confirmDestructive: Bool,
                      idempotencyKey: String? = nil, observer: CallObserver? = nil) async -> AppliedWrite
    {
        var request = reviewed.request
        request.confirmWrite = confirmWrite
        request.confirmDestructive = confirmDestructive
        // Without a key of its own, the write is keyed by its diff: the same reviewed write sent twice is one write,
        // while the same parameters reviewed against a record that changed since are a new one.
        request.idempotencyKey = idempotencyKey ?? request.idempotencyKey ?? "b24-diff-" + reviewed.diff.hash.prefix(32)
        request.review = ReviewStamp(hash: reviewed.diff.hash, summary: reviewed.diff.summary)
        // A refused call is refused before anything is read again.
        if let refusal = refusal(for: request) {
            return AppliedWrite(status: .sent, outcome: finishEarly(request, B24Error.refused(refusal), observer: observer))
        }
        if reviewed.diff.changesNothing { return AppliedWrite(status: .nothingToSend) }
        var applied = AppliedWrite(status: .sent)
        let commands = (try? reviewCommands(reviewed.request)) ?? []
        for (command, diff) in zip(commands, reviewed.diff.commands) {
            let check = await recheck(command, diff, version: request.apiVersion)
            applied.moved += check.moved
            applied.otherChanges += check.others
        }
        if !applied.moved.isEmpty {
            applied.status = .stale
            return applied
        }
        let outcome = await call(request, observer: observer)
        applied.outcome = outcome
        guard let envelope = try? outcome.result.get() else { return applied }
        for (command, diff) in zip(commands, reviewed.diff.commands) {
            let result = commandResult(envelope, command: command)
            await verify(command, diff, result: result, version: request.apiVersion, into: &applied)
        }
        return applied
    }

    /// Runs a stored plan once (``executePlan(id:confirmWrite:confirmDestructive:idempotencyKey:observer:)``: refused as
    /// stale when its fields moved) and reads every target back, as ``apply(_:confirmWrite:confirmDestructive:idempotencyKey:observer:)``
    /// does; `reviewed` is the plan's review (``reviewPlan(id:now:)``).
    public func applyPlan(_ id: String, reviewed: ReviewedWrite, confirmWrite: Bool, confirmDestructive: Bool) async -> AppliedWrite {
        let outcome = await executePlan(id: id, confirmWrite: confirmWrite, confirmDestructive: confirmDestructive)
        if case .failure(.refused(let refusal)) = outcome.result, refusal.gate == .stalePlan {
            var stale = AppliedWrite(status: .stale)
            stale.moved = refusal.moved
            return stale
        }
        var applied = AppliedWrite(status: .sent, outcome: outcome)
        guard let envelope = try? outcome.result.get() else { return applied }
        let commands = (try? reviewCommands(reviewed.request)) ?? []
        for (command, diff) in zip(commands, reviewed.diff.commands) {
            await verify(command, diff, result: commandResult(envelope, command: command), version: reviewed.request.apiVersion,
                         into: &applied)
        }
        return applied
    }

    /// Compares the record now with the one the diff was made from.
    private func recheck(_ command: ReviewCommand, _ diff: CommandDiff, version: APIVersion)
        async -> (moved: [MovedField], others: [String])
    {
        guard diff.kind == .update || diff.kind == .action || diff.kind == .delete, diff.record != nil else { return ([], []) }
        let entity: ReadableEntity
        switch command.effect {
        case .update(let e), .delete(let e), .action(let e, _): entity = e
        default: return ([], [])
        }
        guard let now = try? await readRecord(entity, command.params, version: version).get() else {
            // The record is gone: every written field moved.
            return (diff.oldValues.map { code, old in
                MovedField(command: diff.key, code: code, title: title(code, diff), seen: shown(code, old), now: nil,
                           write: shown(code, writtenValue(command, code)))
            }, [])
        }
        var moved: [MovedField] = []
        for (code, old) in diff.oldValues {
            let current = DiffEngine.lookup(now, code)
            if !ValueComparison.same(old, current, type: nil) {
                moved.append(MovedField(command: diff.key, code: code, title: title(code, diff), seen: shown(code, old),
                                        now: shown(code, current), write: shown(code, writtenValue(command, code))))
            }
        }
        var others: [String] = []
        let seen = diff.record ?? .null
        let written = Set(diff.oldValues.keys.map(FieldMetadata.key))
        for (code, value) in now.objectValue ?? [:] where !written.contains(FieldMetadata.key(code)) {
            if !ValueComparison.same(redactor.redact(json: value), DiffEngine.lookup(seen, code), type: nil) {
                others.append((diff.key.map { "\($0): " } ?? "") + code)
            }
        }
        return (moved, others)
    }

    /// Reads every written field back and gives its verdict.
    private func verify(_ command: ReviewCommand, _ diff: CommandDiff, result: JSONValue?, version: APIVersion,
                        into applied: inout AppliedWrite) async
    {
        let key = diff.key ?? ""
        switch command.effect {
        case .update(let entity), .action(let entity, _):
            guard let now = try? await readRecord(entity, command.params, version: version).get() else { return }
            applied.after[key] = now
            for change in diff.changes {
                let written = writtenValue(command, change.code)
                let current = DiffEngine.lookup(now, change.code)
                let old = diff.oldValues[change.code]
                applied.verdicts.append(FieldVerdict(command: diff.key, code: change.code, title: change.title,
                                                     verdict: verdict(change, written: written, old: old, now: current)))
            }
        case .delete(let entity):
            let gone = (try? await readRecord(entity, command.params, version: version).get()) == nil
            applied.verdicts.append(FieldVerdict(command: diff.key, code: entity.idParam, title: "record",
                                                 verdict: gone ? .applied : .ignored))
        case .add(let entity):
            guard let id = createdID(result, entity: entity) else { return }
            if diff.key == nil { applied.createdID = id }
            var params: JSONObject = [entity.idParam: .string(id)]
            for name in entity.scopeParams {
                if let value = command.params.member(caseInsensitive: name) { params[name] = value }
            }
            guard let now = try? await readRecord(entity, .object(params), version: version).get() else { return }
            applied.after[key] = now
            for change in diff.changes {
                let written = writtenValue(command, change.code)
                applied.verdicts.append(FieldVerdict(
                    command: diff.key, code: change.code, title: change.title,
                    verdict: verdict(change, written: written, old: nil, now: DiffEngine.lookup(now, change.code))))
            }
        case .noPreview:
            return
        }
    }

    private func verdict(_ change: FieldChange, written: JSONValue?, old: JSONValue?, now: JSONValue?) -> FieldVerdict.Verdict {
        if !change.entries.isEmpty {
            let entries = now?.arrayValue ?? []
            let holds = change.entries.allSatisfy { entry in
                switch entry.kind {
                case .added:
                    return entries.contains { $0["VALUE"]?.stringValue == entry.newValue }
                case .deleted:
                    return !entries.contains { $0["ID"]?.stringValue == entry.id }
                case .changed:
                    return entries.contains { $0["ID"]?.stringValue == entry.id && $0["VALUE"]?.stringValue == entry.newValue }
                }
            }
            if holds { return .applied }
            return ValueComparison.same(old, now, type: nil) ? .ignored : .changedByOther
        }
        if ValueComparison.same(written, now, type: nil) { return .applied }
        return ValueComparison.same(old, now, type: nil) ? .ignored : .changedByOther
    }

    /// One command's `result` (a batch's `result.result[key]`).
    private func commandResult(_ envelope: JSONValue, command: ReviewCommand) -> JSONValue? {
        guard let key = command.key else { return envelope["result"] }
        return envelope["result"]?["result"]?[key]
    }

    /// The id of a record an add created: a number (CRM), `task.id` or `item.id`.
    private func createdID(_ result: JSONValue?, entity: ReadableEntity) -> String? {
        guard let result else { return nil }
        if let id = result.intValue { return String(id) }
        for key in ["task", "item"] {
            if let id = result[key]?["id"]?.stringValue ?? result[key]?["ID"]?.stringValue { return id }
        }
        return nil
    }

    private func writtenValue(_ command: ReviewCommand, _ code: String) -> JSONValue? {
        switch command.effect {
        case .action(_, let implied): return implied[code]
        case .update(let entity), .add(let entity): return DiffEngine.values(command.params, entity)[code]
        default: return nil
        }
    }

    private func title(_ code: String, _ diff: CommandDiff) -> String {
        diff.changes.first { $0.code == code }?.title ?? code
    }

    /// A value as a diff shows it: masked when it is a secret.
    private func shown(_ code: String, _ value: JSONValue?) -> JSONValue? {
        guard let value else { return nil }
        if SecretFields.isSecret(code), !ValueComparison.isEmpty(value) { return .string("****") }
        return redactor.redact(json: value)
    }
}
