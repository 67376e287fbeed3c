import B24Catalog
import B24Wire
import Foundation

/// A write as it was reviewed: the call and the diff shown for it. Applying it (``B24Client/apply(_:confirmWrite:confirmDestructive:idempotencyKey:observer:)``)
/// re-reads the records first; the diff's hash is what a confirmation is bound to.
public struct ReviewedWrite: Sendable {
    public var request: CallRequest
    public var diff: WriteDiff

    public init(request: CallRequest, diff: WriteDiff) {
        self.request = request
        self.diff = diff
    }

    /// True while `params` are the ones reviewed: any edit voids the review.
    public func stillMatches(_ method: String, params: JSONValue, apiVersion: APIVersion) -> Bool {
        MethodName.canonical(method).lowercased() == MethodName.canonical(request.method).lowercased()
            && apiVersion == request.apiVersion && params.canonicalJSON == request.params.canonicalJSON
    }
}

/// One command of a call, with what b24 knows about its target.
struct ReviewCommand {
    var key: String?
    var method: String
    var params: JSONValue
    var effect: WriteEffect
}

extension B24Client {
    /// Reads what a write would change and returns its diff, without writing. The guardrails that need no
    /// confirmation run first (allowlist, read-only profile), so a refused call is refused before anything is read.
    /// Reads are not recorded in history.
    public func review(_ request: CallRequest) async -> Result<ReviewedWrite, B24Error> {
        let checked: Guardrails.Checked
        do { checked = try guardrails(request, forPlan: true) } catch {
            return .failure((error as? B24Error) ?? .usage("\(error)"))
        }
        var request = request
        request.method = checked.request.method
        let commands: [ReviewCommand]
        do { commands = try reviewCommands(request) } catch {
            return .failure((error as? B24Error) ?? .usage("\(error)"))
        }
        var metadataCache: [String: FieldMetadata] = [:]
        var diffs: [CommandDiff] = []
        for command in commands {
            diffs.append(await diff(of: command, version: request.apiVersion, metadata: &metadataCache))
        }
        let diff = WriteDiff(method: request.method, risk: checked.risk, commands: diffs,
                             hash: Self.diffHash(request, diffs))
        return .success(ReviewedWrite(request: request, diff: diff))
    }

    /// The hash a confirmation is bound to: the call (method, version, canonical parameters) and the old values
    /// the diff showed. Another parameter or another old value gives another hash.
    static func diffHash(_ request: CallRequest, _ commands: [CommandDiff]) -> String {
        var material = "b24-diff-v1\n\(MethodName.canonical(request.method).lowercased())\n\(request.apiVersion.rawValue)\n"
        material += request.params.canonicalJSON
        for command in commands {
            material += "\n\(command.key ?? "")|\(command.kind.rawValue)|\(JSONValue.object(command.oldValues).canonicalJSON)"
        }
        return SHA256Hasher.hexDigest(material)
    }

    /// The commands of a call: one, or each command of a batch (its query decoded to parameters).
    func reviewCommands(_ request: CallRequest) throws -> [ReviewCommand] {
        guard MethodName.canonical(request.method).lowercased() == "batch" else {
            return [ReviewCommand(method: request.method, params: request.params,
                                  effect: ReadTargets.effect(of: request.method, apiVersion: request.apiVersion))]
        }
        return try BatchInput.commands(from: request.params).map { command in
            let parts = command.encoded.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let query = parts.count > 1 ? String(parts[1]) : ""
            let params = (try? PHPForm.decode(query)) ?? .emptyObject
            var effect = ReadTargets.effect(of: command.method)
            if command.referencesOthers {
                effect = .noPreview(reason: "it uses another command's result, known only when the batch runs")
            } else if catalog.risk(of: command.method) == .read {
                effect = .noPreview(reason: "it only reads")
            }
            return ReviewCommand(key: command.key, method: command.method, params: params, effect: effect)
        }
    }

    private func diff(of command: ReviewCommand, version: APIVersion, metadata cache: inout [String: FieldMetadata])
        async -> CommandDiff
    {
        var input = DiffEngine.Input(method: command.method, params: command.params, effect: command.effect,
                                     key: command.key)
        switch command.effect {
        case .noPreview:
            break
        case .add(let entity):
            input.metadata = await metadata(entity, command.params, version: version, cache: &cache)
            input.duplicates = await duplicates(entity, command.params, version: version)
        case .update(let entity), .delete(let entity), .action(let entity, _):
            input.metadata = await metadata(entity, command.params, version: version, cache: &cache)
            switch await readRecord(entity, command.params, version: version) {
            case .success(let record): input.record = record
            case .failure(let error): input.readError = redactor.redact(error.message)
            }
        }
        return DiffEngine.diff(input, redactor: redactor)
    }

    /// A read made for a review: never recorded, never confirmed.
    func quietRead(_ method: String, _ params: JSONValue, version: APIVersion = .v2) async -> Result<JSONValue, B24Error> {
        var request = CallRequest(method: method, params: params, apiVersion: version)
        request.recording = .none
        let outcome = await call(request)
        return outcome.result.map { $0["result"] ?? .null }
    }

    /// The record a command targets, as the portal has it now.
    func readRecord(_ entity: ReadableEntity, _ params: JSONValue, version: APIVersion) async -> Result<JSONValue, B24Error> {
        guard let id = params.member(caseInsensitive: entity.idParam), !ValueComparison.isEmpty(id) else {
            return .failure(.usage("the call names no record (\(entity.idParam) is missing)"))
        }
        var query: JSONObject = [entity.idParam: id]
        for name in entity.scopeParams {
            if let value = params.member(caseInsensitive: name) { query[name] = value }
        }
        return await quietRead(entity.getMethod, .object(query), version: version).flatMap { result in
            let record = entity.recordKey.map { result[$0] ?? .null } ?? result
            guard record.objectValue != nil, !ValueComparison.isEmpty(record) else {
                return .failure(.usage("the portal returned no record for \(entity.idParam) \(id.stringValue ?? "")"))
            }
            return .success(record)
        }
    }

    /// The entity's field metadata, read once per review (an entity without metadata gets none).
    private func metadata(_ entity: ReadableEntity, _ params: JSONValue, version: APIVersion,
                          cache: inout [String: FieldMetadata]) async -> FieldMetadata
    {
        guard let method = entity.fieldsMethod else { return FieldMetadata() }
        var query = JSONObject()
        for name in entity.scopeParams {
            if let value = params.member(caseInsensitive: name) { query[name] = value }
        }
        let key = method + JSONValue.object(query).canonicalJSON
        if let known = cache[key] { return known }
        let result = (try? await quietRead(method, .object(query), version: version).get()) ?? .null
        let metadata = FieldMetadata.parse(entity.fieldsKey.map { result[$0] ?? .null } ?? result)
        cache[key] = metadata
        return metadata
    }

    /// Records that look like the one an add would create: the same phone or e-mail (`crm.duplicate.findbycomm`)
    /// or the same title (the list method).
    private func duplicates(_ entity: ReadableEntity, _ params: JSONValue, version: APIVersion) async -> [Duplicate] {
        let values = DiffEngine.values(params, entity)
        var found: [Duplicate] = []
        if let entityType = entity.duplicateEntityType {
            for type in ["PHONE", "EMAIL"] {
                guard let written = DiffEngine.lookup(.object(values), type) else { continue }
                let texts = DiffEngine.multifieldEntries(existing: [], written: written).compactMap(\.newValue)
                guard !texts.isEmpty else { continue }
                let query: JSONValue = ["type": .string(type), "values": .array(texts.prefix(20).map { .string($0) }),
                                        "entity_type": .string(entityType)]
                guard let result = try? await quietRead("crm.duplicate.findbycomm", query).get() else { continue }
                for id in result[entityType]?.arrayValue ?? [] {
                    found.append(Duplicate(entity: entityType, id: id.stringValue ?? "?",
                                           reason: "\(type) \(texts.joined(separator: ", "))"))
                }
            }
        }
        if let list = entity.listMethod, entity.name.hasPrefix("crm."), entity.scopeParams.isEmpty,
           let title = DiffEngine.lookup(.object(values), "TITLE")?.stringValue, !title.isEmpty
        {
            let query: JSONValue = ["filter": ["TITLE": .string(title)], "select": ["ID", "TITLE"]]
            if let rows = try? await quietRead(list, query, version: version).get().arrayValue {
                for row in rows.prefix(20) {
                    let id = row["ID"]?.stringValue ?? "?"
                    guard !found.contains(where: { $0.id == id }) else { continue }
                    found.append(Duplicate(entity: entity.name.split(separator: ".").last.map { $0.uppercased() } ?? entity.name,
                                           id: id, reason: "TITLE \(title)"))
                }
            }
        }
        return found.map { Duplicate(entity: $0.entity, id: $0.id, reason: redactor.redact($0.reason)) }
    }
}
