import B24Catalog
import B24Wire

/// One entry of a phone, e-mail, website or messenger list that a write adds, changes or deletes.
public struct EntryChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case added, changed, deleted }
    public var kind: Kind
    /// The entry's id on the portal (nil for an added one).
    public var id: String?
    /// `WORK`, `MOBILE`, … before and after.
    public var oldType: String?
    public var newType: String?
    public var oldValue: String?
    public var newValue: String?
}

/// One field of a diff: what the record holds, what the write sends, and what to warn about.
public struct FieldChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// Update: the value differs.
        case changed
        /// Add: a value for a new record. Update: a field the record has no value for.
        case added
        /// Delete: what goes away with the record.
        case removed
    }

    /// The name as written (or, for a delete, as the record names it).
    public var code: String
    /// The portal's title for it (the code when there is no metadata).
    public var title: String
    public var kind: Kind
    /// The value the record holds now (masked when it is a secret).
    public var old: JSONValue?
    /// The value the write sends (masked when it is a secret).
    public var new: JSONValue?
    /// For multifields: the entries added, changed and deleted.
    public var entries: [EntryChange] = []
    /// The metadata marks the field read-only or immutable: the portal will ignore this write.
    public var ignoredByPortal = false
    /// The value was masked (a credential); it still counts as a change.
    public var masked = false

    /// True when the write deletes an entry of a multifield (shown in red).
    public var deletesEntries: Bool { entries.contains { $0.kind == .deleted } }
}

/// A record that looks like the one an add would create (same phone, e-mail or title).
public struct Duplicate: Sendable, Equatable {
    /// `LEAD`, `CONTACT`, `COMPANY`, or the entity's name.
    public var entity: String
    public var id: String
    /// What matched: `PHONE +7 495 …`, `TITLE Acme`.
    public var reason: String

    public init(entity: String, id: String, reason: String) {
        self.entity = entity
        self.id = id
        self.reason = reason
    }
}

/// The preview of one command (a plain call, or one command of a batch).
public struct CommandDiff: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case update, delete, add, action, noPreview }
    /// The batch command's key (nil for a plain call).
    public var key: String?
    public var method: String
    public var kind: Kind
    /// `crm.lead 42`: the record read (nil when none).
    public var target: String?
    /// The id of that record as the call names it (what a delete's confirmation asks to type).
    public var recordID: String?
    /// Changed fields (update), every field (add, delete).
    public var changes: [FieldChange] = []
    /// Written fields whose value is already the record's.
    public var unchanged: [String] = []
    /// The record as read (update, delete, action), secrets masked; kept so revert and checks can use it.
    public var record: JSONValue?
    /// Look-alikes of the record an add would create.
    public var duplicates: [Duplicate] = []
    /// The exact payload (masked) when nothing could be read.
    public var payload: JSONValue?
    /// Why no preview is possible, or why the read failed.
    public var note: String?
    /// Old values of the written fields, unmasked, keyed as written: what a revert restores and what a plan
    /// checks before it runs. Not shown.
    public var oldValues: JSONObject = [:]

    /// True when the command would change nothing (an update whose every value is already there).
    public var changesNothing: Bool { kind == .update && changes.isEmpty && note == nil }
}

/// The preview of a write: one ``CommandDiff`` per command, and the hash the confirmation is bound to.
public struct WriteDiff: Sendable, Equatable {
    public var method: String
    public var risk: RiskClass
    public var commands: [CommandDiff]
    /// SHA-256 over the call (method, version, parameters) and what was read: an edit of the parameters or a
    /// record that moved gives another hash, which voids a confirmation given for this one.
    public var hash: String

    public init(method: String, risk: RiskClass, commands: [CommandDiff], hash: String) {
        self.method = method
        self.risk = risk
        self.commands = commands
        self.hash = hash
    }

    /// The first 12 hex digits, as shown.
    public var shortHash: String { String(hash.prefix(12)) }

    /// True when no command changes anything (nothing needs to be sent).
    public var changesNothing: Bool { !commands.isEmpty && commands.allSatisfy(\.changesNothing) }

    /// The audit's change summary: the written field names per command, never their values.
    public var summary: String {
        commands.map { command in
            let names = command.changes.map(\.code)
            let head = (command.key.map { "\($0): " } ?? "") + command.method
            switch command.kind {
            case .update, .action: return "\(head) \(command.target ?? "") [\(names.joined(separator: ","))]"
            case .add: return "\(head) new [\(names.joined(separator: ","))]"
            case .delete: return "\(head) \(command.target ?? "") deleted"
            case .noPreview: return "\(head) (no preview)"
            }
        }.joined(separator: "; ")
    }
}

/// What a call carries when it applies a reviewed diff: recorded in its trace and audit line.
public struct ReviewStamp: Sendable, Equatable {
    public var hash: String
    public var summary: String

    public init(hash: String, summary: String) {
        self.hash = hash
        self.summary = summary
    }
}
