import B24Wire

/// A diff, the three-way view and the verification as plain lines: what `b24 call --diff` prints. (The console
/// draws the same facts itself.)
public enum DiffText {
    /// A value as a diff shows it: strings quoted, nothing as `(empty)`, long text cut.
    public static func value(_ value: JSONValue?) -> String {
        guard let value, !ValueComparison.isEmpty(value) else { return "(empty)" }
        let text: String
        switch value {
        case .string(let string): text = "\"" + string + "\""
        default: text = JSONWriter.compact(value)
        }
        return text.count > 60 ? String(text.prefix(59)) + "…" : text
    }

    /// One entry line: `+ WORK +7 495 000-00-01`, `~ WORK 111 → 222`, `- MOBILE 333 (deleted)`.
    public static func entry(_ entry: EntryChange) -> String {
        switch entry.kind {
        case .added: return "+ \(entry.newType ?? "") \(entry.newValue ?? "")"
        case .deleted: return "- \(entry.oldType ?? "") \(entry.oldValue ?? "") (deleted)"
        case .changed:
            let type = entry.oldType == entry.newType ? (entry.newType ?? "") : "\(entry.oldType ?? "") → \(entry.newType ?? "")"
            return "~ \(type) \(entry.oldValue ?? "") → \(entry.newValue ?? "")"
        }
    }

    /// The name of a field as shown: `Lead Title (TITLE)`, or the code alone when there is no other title.
    public static func name(_ change: FieldChange) -> String {
        change.title == change.code ? change.code : "\(change.title) (\(change.code))"
    }

    /// The whole diff.
    public static func lines(_ diff: WriteDiff) -> [String] {
        var lines = ["\(diff.method) · \(diff.risk) · diff \(diff.shortHash)"]
        for command in diff.commands {
            var head = command.key.map { "[\($0)] \(command.method)" } ?? command.method
            if let target = command.target { head += " · " + target }
            if diff.commands.count > 1 || command.key != nil { lines.append(head) } else if let target = command.target {
                lines.append(target)
            }
            lines += commandLines(command).map { "  " + $0 }
        }
        return lines
    }

    static func commandLines(_ command: CommandDiff) -> [String] {
        var lines: [String] = []
        switch command.kind {
        case .noPreview:
            lines.append(command.note ?? "no preview is possible")
            lines.append("payload: " + JSONWriter.compact(command.payload ?? .emptyObject))
            return lines
        case .delete:
            lines.append("DELETE: the whole record goes (\(command.changes.count) fields with a value)")
        case .add:
            lines.append("new record: \(command.changes.count) fields")
        case .update, .action:
            if let note = command.note {
                lines.append(note)
                if let payload = command.payload { lines.append("payload: " + JSONWriter.compact(payload)) }
            } else if command.changes.isEmpty {
                lines.append("no change: every value written is already there; nothing will be sent")
            }
        }
        for change in command.changes {
            var line = name(change)
            if change.entries.isEmpty {
                switch change.kind {
                case .changed: line += ": \(value(change.old)) → \(value(change.new))"
                case .added: line += ": + \(value(change.new))"
                case .removed: line += ": - \(value(change.old))"
                }
                if change.masked { line += " (masked)" }
                if change.ignoredByPortal { line += "  ! read-only: the portal will ignore this" }
                lines.append(line)
            } else {
                if change.ignoredByPortal { line += "  ! read-only: the portal will ignore this" }
                if change.deletesEntries { line += "  ! DELETES ENTRIES" }
                lines.append(line + ":")
                lines += change.entries.map { "    " + entry($0) }
            }
        }
        if !command.unchanged.isEmpty {
            lines.append("\(command.unchanged.count) written field\(command.unchanged.count == 1 ? "" : "s") unchanged")
        }
        if !command.duplicates.isEmpty {
            lines.append("possible duplicates:")
            lines += command.duplicates.map { "    \($0.entity) \($0.id) — same \($0.reason)" }
        }
        return lines
    }

    /// The three-way view of fields that moved since the review.
    public static func moved(_ moved: [MovedField]) -> [String] {
        var lines = ["moved since the review — nothing was written:"]
        for field in moved {
            let name = field.title == field.code ? field.code : "\(field.title) (\(field.code))"
            lines.append("  " + (field.command.map { "[\($0)] " } ?? "") + name)
            lines.append("    you saw:      " + value(field.seen))
            lines.append("    now:          " + value(field.now))
            lines.append("    would write:  " + value(field.write))
        }
        return lines
    }

    /// The verification after a write: one line per field, then "verified" or what is not.
    public static func verification(_ applied: AppliedWrite) -> [String] {
        var lines: [String] = []
        if !applied.otherChanges.isEmpty {
            lines.append("changed by someone else since the review (not written by this call): "
                         + applied.otherChanges.joined(separator: ", "))
        }
        for verdict in applied.verdicts {
            let name = verdict.title == verdict.code ? verdict.code : "\(verdict.title) (\(verdict.code))"
            lines.append("  " + (verdict.command.map { "[\($0)] " } ?? "") + name + ": " + verdict.verdict.rawValue)
        }
        if applied.verified {
            lines.append("verified: every written field holds what was written")
        } else if applied.succeeded, !applied.verdicts.isEmpty {
            let missed = applied.verdicts.filter { $0.verdict != .applied }.count
            lines.append("not verified: \(missed) field\(missed == 1 ? "" : "s") not as written")
        }
        return lines
    }
}
