import B24Wire

/// Builds the field-level diff of one command from what was read: pure, so every rule (no false changes,
/// multifield semantics, read-only flags, masking) is tested without a portal.
public enum DiffEngine {
    /// Names of the CRM multifields, for records read without metadata.
    static let multifieldNames: Set<String> = ["PHONE", "EMAIL", "WEB", "IM", "LINK"]

    /// What one command's diff is made from.
    public struct Input: Sendable {
        public var method: String
        public var params: JSONValue
        public var effect: WriteEffect
        /// The record as read (nil: not read, or it could not be).
        public var record: JSONValue?
        public var metadata = FieldMetadata()
        public var duplicates: [Duplicate] = []
        /// Why the record could not be read.
        public var readError: String?
        public var key: String?

        public init(method: String, params: JSONValue, effect: WriteEffect, record: JSONValue? = nil,
                    metadata: FieldMetadata = FieldMetadata(), duplicates: [Duplicate] = [], readError: String? = nil,
                    key: String? = nil)
        {
            self.method = method
            self.params = params
            self.effect = effect
            self.record = record
            self.metadata = metadata
            self.duplicates = duplicates
            self.readError = readError
            self.key = key
        }
    }

    /// The diff of one command; `redactor` masks known secrets in every value shown.
    public static func diff(_ input: Input, redactor: Redactor = Redactor()) -> CommandDiff {
        var diff = CommandDiff(key: input.key, method: input.method, kind: .noPreview)
        let masked = { (value: JSONValue?) in value.map { redactor.redact(json: $0) } }
        switch input.effect {
        case .noPreview(let reason):
            diff.payload = masked(input.params)
            diff.note = "no preview is possible: " + reason
            return diff
        case .add(let entity):
            diff.kind = .add
            diff.duplicates = input.duplicates
            for (code, value) in values(input.params, entity) {
                var change = field(code, input.metadata, kind: .added, old: nil, new: value, redactor: redactor)
                if let info = input.metadata[code], info.isReadOnly { change.ignoredByPortal = true }
                if isMultifield(code, input.metadata) {
                    change.entries = multifieldEntries(existing: [], written: value).map { mask($0, redactor) }
                }
                diff.changes.append(change)
            }
            return diff
        case .delete(let entity), .update(let entity), .action(let entity, _):
            diff.target = target(entity, input.params)
            diff.recordID = input.params.member(caseInsensitive: entity.idParam)?.stringValue
            guard let record = input.record, record.objectValue != nil else {
                diff.payload = masked(input.params)
                diff.note = "the record could not be read" + (input.readError.map { ": " + $0 } ?? "")
                return diff
            }
            diff.record = masked(record)
            if case .delete = input.effect {
                diff.kind = .delete
                for (code, value) in record.objectValue ?? [:] where !ValueComparison.isEmpty(value) {
                    var change = field(code, input.metadata, kind: .removed, old: value, new: nil, redactor: redactor)
                    if isMultifield(code, input.metadata) {
                        change.entries = (value.arrayValue ?? []).map { entry in
                            EntryChange(kind: .deleted, id: entry["ID"]?.stringValue, oldType: entry["VALUE_TYPE"]?.stringValue,
                                        oldValue: entry["VALUE"]?.stringValue.map(redactor.redact))
                        }
                    }
                    diff.changes.append(change)
                }
                return diff
            }
            var written = values(input.params, entity)
            if case .action(_, let implied) = input.effect {
                diff.kind = .action
                written = implied
            } else {
                diff.kind = .update
            }
            if written.isEmpty { diff.note = "the call writes no fields" }
            for (code, value) in written {
                let old = lookup(record, code)
                diff.oldValues[code] = old ?? .null
                let info = input.metadata[code]
                if isMultifield(code, input.metadata) {
                    let entries = multifieldEntries(existing: old?.arrayValue ?? [], written: value)
                    guard !entries.isEmpty else { diff.unchanged.append(code); continue }
                    var change = field(code, input.metadata, kind: .changed, old: old, new: value, redactor: redactor)
                    change.entries = entries.map { mask($0, redactor) }
                    change.ignoredByPortal = (info?.isReadOnly ?? false) || (info?.isImmutable ?? false)
                    diff.changes.append(change)
                    continue
                }
                if ValueComparison.same(old, value, type: info?.type) {
                    diff.unchanged.append(code)
                    continue
                }
                let kind: FieldChange.Kind = ValueComparison.isEmpty(old ?? .null) ? .added : .changed
                var change = field(code, input.metadata, kind: kind, old: old, new: value, redactor: redactor)
                change.ignoredByPortal = (info?.isReadOnly ?? false) || (info?.isImmutable ?? false)
                diff.changes.append(change)
            }
            return diff
        }
    }

    /// `crm.lead 42`, `crm.item 7 (entityTypeId 2)`.
    static func target(_ entity: ReadableEntity, _ params: JSONValue) -> String {
        let id = params.member(caseInsensitive: entity.idParam)?.stringValue ?? "?"
        var text = "\(entity.name) \(id)"
        for name in entity.scopeParams {
            if let value = params.member(caseInsensitive: name)?.stringValue { text += " (\(name) \(value))" }
        }
        return text
    }

    /// The values a write sends (`fields`, case-insensitive), in the order given.
    static func values(_ params: JSONValue, _ entity: ReadableEntity) -> JSONObject {
        params.member(caseInsensitive: entity.valuesParam)?.objectValue ?? [:]
    }

    /// The record's value of a field named in any spelling (`TITLE` finds `title`).
    public static func lookup(_ record: JSONValue, _ code: String) -> JSONValue? {
        guard let object = record.objectValue else { return nil }
        if let exact = object[code] { return exact }
        let key = FieldMetadata.key(code)
        return object.first { FieldMetadata.key($0.key) == key }?.value
    }

    static func isMultifield(_ code: String, _ metadata: FieldMetadata) -> Bool {
        if let info = metadata[code] { return info.isMultifield }
        return multifieldNames.contains(code.uppercased())
    }

    private static func field(_ code: String, _ metadata: FieldMetadata, kind: FieldChange.Kind, old: JSONValue?,
                              new: JSONValue?, redactor: Redactor) -> FieldChange
    {
        let secret = SecretFields.isSecret(code)
        func show(_ value: JSONValue?) -> JSONValue? {
            guard let value else { return nil }
            if secret, !ValueComparison.isEmpty(value) { return .string("****") }
            return redactor.redact(json: value)
        }
        let shownOld = show(old), shownNew = show(new)
        var change = FieldChange(code: code, title: metadata[code]?.title ?? code, kind: kind, old: shownOld, new: shownNew)
        change.masked = secret || shownOld != old || shownNew != new
        return change
    }

    private static func mask(_ entry: EntryChange, _ redactor: Redactor) -> EntryChange {
        var entry = entry
        entry.oldValue = entry.oldValue.map(redactor.redact)
        entry.newValue = entry.newValue.map(redactor.redact)
        return entry
    }

    /// What writing `written` to a multifield holding `existing` does, by the portal's rules: an entry with an
    /// ID and a value changes that entry; with an ID and an empty value (or `DELETE: Y`, or nothing else) deletes
    /// it; without an ID adds one. Entries written as they are (any order) change nothing.
    public static func multifieldEntries(existing: [JSONValue], written: JSONValue) -> [EntryChange] {
        let items = written.arrayValue ?? written.objectValue.map { Array($0.values) } ?? [written]
        var changes: [EntryChange] = []
        for item in items {
            guard let object = item.objectValue else {
                if let text = item.stringValue, !text.isEmpty {
                    changes.append(EntryChange(kind: .added, newType: "WORK", newValue: text))
                }
                continue
            }
            let value = object["VALUE"]?.stringValue
            let type = object["VALUE_TYPE"]?.stringValue
            guard let id = object["ID"]?.stringValue, !id.isEmpty else {
                if let value, !value.isEmpty { changes.append(EntryChange(kind: .added, newType: type ?? "WORK", newValue: value)) }
                continue
            }
            // An ID the record does not have: the portal skips it.
            guard let current = existing.first(where: { $0["ID"]?.stringValue == id }) else { continue }
            let oldValue = current["VALUE"]?.stringValue, oldType = current["VALUE_TYPE"]?.stringValue
            let deletes = object["DELETE"]?.boolValue == true || value == "" || (value == nil && type == nil)
            if deletes {
                changes.append(EntryChange(kind: .deleted, id: id, oldType: oldType, oldValue: oldValue))
            } else if (value ?? oldValue) != oldValue || (type ?? oldType) != oldType {
                changes.append(EntryChange(kind: .changed, id: id, oldType: oldType, newType: type ?? oldType,
                                           oldValue: oldValue, newValue: value ?? oldValue))
            }
        }
        return changes
    }
}
