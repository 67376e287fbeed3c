import B24Catalog
import B24Client
import B24Wire
import Foundation
import Testing

@Suite("Diff engine: field-level diffs without false changes")
struct DiffEngineTests {
    static let lead = ReadTargets.entity("crm.lead")!
    static let task = ReadTargets.entity("tasks.task")!

    static let leadMetadata = FieldMetadata([
        FieldInfo(code: "TITLE", title: "Lead Title", type: "string"),
        FieldInfo(code: "OPPORTUNITY", title: "Amount", type: "double"),
        FieldInfo(code: "OPENED", title: "Available to All", type: "char"),
        FieldInfo(code: "BIRTHDATE", title: "Birthdate", type: "date"),
        FieldInfo(code: "DATE_MODIFY", title: "Modification Date", type: "datetime", isReadOnly: true),
        FieldInfo(code: "PHONE", title: "Phone", type: "crm_multifield", isMultiple: true),
        FieldInfo(code: "UF_CRM_LEAD_CHANNEL", title: "Lead channel", type: "string"),
        FieldInfo(code: "ORIGIN_ID", title: "Origin", type: "string", isImmutable: true),
    ])

    static let record: JSONValue = [
        "ID": "42", "TITLE": "Acme", "OPPORTUNITY": "15000.00", "OPENED": "Y", "BIRTHDATE": "",
        "DATE_MODIFY": "2026-12-03T10:00:00+03:00", "UF_CRM_LEAD_CHANNEL": "web", "ORIGIN_ID": "x1",
        "PHONE": [
            ["ID": "7", "VALUE_TYPE": "WORK", "VALUE": "+7 495 000-00-01", "TYPE_ID": "PHONE"],
            ["ID": "8", "VALUE_TYPE": "MOBILE", "VALUE": "+7 916 000-00-02", "TYPE_ID": "PHONE"],
        ],
    ]

    static func update(_ fields: JSONValue, record: JSONValue = record, metadata: FieldMetadata = leadMetadata) -> CommandDiff {
        DiffEngine.diff(DiffEngine.Input(method: "crm.lead.update", params: ["id": 42, "fields": fields],
                                         effect: .update(lead), record: record, metadata: metadata))
    }

    @Test("Equal meanings are no change: money, Y/true/1, dates in other offsets, key order, empty = null")
    func noFalseChanges() {
        let diff = Self.update([
            "OPPORTUNITY": 15000, "OPENED": true, "DATE_MODIFY": "2026-12-03T07:00:00Z", "BIRTHDATE": .null,
            "TITLE": "Acme",
        ])
        #expect(diff.changes.isEmpty)
        #expect(Set(diff.unchanged) == ["OPPORTUNITY", "OPENED", "DATE_MODIFY", "BIRTHDATE", "TITLE"])
        #expect(diff.changesNothing)
        #expect(ValueComparison.same(["a": 1, "b": 2], ["b": 2, "a": 1]))
        #expect(ValueComparison.same("1", .bool(true), type: "boolean"))
        #expect(ValueComparison.same("N", .bool(false), type: "char"))
    }

    @Test("Real changes are listed old → new with the metadata's title; the rest are counted")
    func realChanges() throws {
        let diff = Self.update(["TITLE": "Acme (renewed)", "OPPORTUNITY": "15000.01", "OPENED": "N", "UF_CRM_LEAD_CHANNEL": "phone"])
        #expect(diff.kind == .update)
        #expect(diff.changes.map(\.code) == ["TITLE", "OPPORTUNITY", "OPENED", "UF_CRM_LEAD_CHANNEL"])
        let title = try #require(diff.changes.first)
        #expect(title.title == "Lead Title")
        #expect(title.old == "Acme" && title.new == "Acme (renewed)")
        #expect(diff.changes.last?.title == "Lead channel")
        #expect(diff.oldValues["TITLE"] == "Acme")
        #expect(diff.target == "crm.lead 42")
    }

    @Test("Writing a read-only or immutable field is flagged: the portal will ignore it")
    func readOnlyFlagged() {
        let diff = Self.update(["DATE_MODIFY": "2027-01-01T00:00:00+00:00", "ORIGIN_ID": "x2", "TITLE": "B"])
        let flagged = diff.changes.filter(\.ignoredByPortal).map(\.code)
        #expect(flagged == ["DATE_MODIFY", "ORIGIN_ID"])
        #expect(DiffText.lines(WriteDiff(method: "crm.lead.update", risk: .write, commands: [diff], hash: "0"))
            .contains { $0.contains("DATE_MODIFY") && $0.contains("the portal will ignore this") })
    }

    @Test("Multifields: add, change, delete by empty value and by DELETE, reorder = no change")
    func multifields() throws {
        let reordered = Self.update(["PHONE": [
            ["ID": "8", "VALUE_TYPE": "MOBILE", "VALUE": "+7 916 000-00-02"],
            ["ID": "7", "VALUE_TYPE": "WORK", "VALUE": "+7 495 000-00-01"],
        ]])
        #expect(reordered.changes.isEmpty && reordered.unchanged == ["PHONE"])

        let diff = Self.update(["PHONE": [
            ["ID": "7", "VALUE": "+7 495 000-00-09"],
            ["ID": "8", "VALUE": ""],
            ["VALUE": "+7 999 123-45-67", "VALUE_TYPE": "HOME"],
        ]])
        let phone = try #require(diff.changes.first)
        #expect(phone.entries.map(\.kind) == [.changed, .deleted, .added])
        #expect(phone.entries[0].oldValue == "+7 495 000-00-01" && phone.entries[0].newValue == "+7 495 000-00-09")
        #expect(phone.entries[1].id == "8")
        #expect(phone.deletesEntries)
        let text = DiffText.lines(WriteDiff(method: "crm.lead.update", risk: .write, commands: [diff], hash: "0"))
        #expect(text.contains { $0.contains("DELETES ENTRIES") })
        #expect(text.contains { $0.contains("- MOBILE +7 916 000-00-02 (deleted)") })

        let byFlag = Self.update(["PHONE": [["ID": "7", "DELETE": "Y"]]])
        #expect(byFlag.changes.first?.entries.map(\.kind) == [.deleted])
        // An ID the record does not have is skipped by the portal: no change.
        #expect(Self.update(["PHONE": [["ID": "999", "VALUE": "1"]]]).changesNothing)
    }

    @Test("Tasks: UPPER names written, camelCase read; dates by instant; integers as text")
    func taskNames() {
        let record: JSONValue = ["id": "5", "title": "Report", "responsibleId": "3", "deadline": "2026-12-10T18:00:00+03:00"]
        let metadata = FieldMetadata([FieldInfo(code: "TITLE", title: "Название", type: "string"),
                                      FieldInfo(code: "RESPONSIBLE_ID", title: "Исполнитель", type: "integer"),
                                      FieldInfo(code: "DEADLINE", title: "Крайний срок", type: "datetime")])
        let diff = DiffEngine.diff(DiffEngine.Input(
            method: "tasks.task.update",
            params: ["taskId": 5, "fields": ["TITLE": "Report v2", "RESPONSIBLE_ID": 3, "DEADLINE": "2026-12-10T15:00:00Z"]],
            effect: .update(Self.task), record: record, metadata: metadata))
        #expect(diff.changes.map(\.code) == ["TITLE"])
        #expect(diff.changes.first?.title == "Название")
        #expect(diff.unchanged == ["RESPONSIBLE_ID", "DEADLINE"])
        #expect(diff.target == "tasks.task 5")
    }

    @Test("Delete shows the whole record; add shows every field as an addition with its duplicates")
    func deleteAndAdd() {
        let delete = DiffEngine.diff(DiffEngine.Input(method: "crm.lead.delete", params: ["id": 42], effect: .delete(Self.lead),
                                                      record: Self.record, metadata: Self.leadMetadata))
        #expect(delete.kind == .delete)
        // Every field with a value, BIRTHDATE ("") left out.
        #expect(delete.changes.count == 8)
        #expect(delete.changes.allSatisfy { $0.kind == .removed })
        #expect(delete.changes.first { $0.code == "PHONE" }?.entries.count == 2)

        let add = DiffEngine.diff(DiffEngine.Input(
            method: "crm.lead.add", params: ["fields": ["TITLE": "New", "PHONE": [["VALUE": "+7 1", "VALUE_TYPE": "WORK"]]]],
            effect: .add(Self.lead), metadata: Self.leadMetadata,
            duplicates: [Duplicate(entity: "LEAD", id: "3", reason: "PHONE +7 1")]))
        #expect(add.kind == .add)
        #expect(add.changes.map(\.kind) == [.added, .added])
        #expect(add.changes[1].entries.map(\.kind) == [.added])
        let text = DiffText.lines(WriteDiff(method: "crm.lead.add", risk: .write, commands: [add], hash: "0"))
        #expect(text.contains { $0.contains("LEAD 3") && $0.contains("PHONE +7 1") })
    }

    @Test("Nothing to read: the payload and the reason; secrets masked but counted")
    func noPreviewAndSecrets() {
        let redactor = Redactor([Secret("s3cr3t-code")])
        let none = DiffEngine.diff(DiffEngine.Input(method: "im.message.add", params: ["MESSAGE": "code s3cr3t-code"],
                                                    effect: ReadTargets.effect(of: "im.message.add")), redactor: redactor)
        #expect(none.kind == .noPreview)
        #expect(none.note?.contains("no preview is possible") == true)
        #expect(JSONWriter.compact(none.payload ?? .null).contains("s3cr3t-code") == false)

        let record: JSONValue = ["ID": "1", "UF_API_TOKEN": "old-token-1", "TITLE": "x"]
        let diff = DiffEngine.diff(DiffEngine.Input(
            method: "crm.lead.update", params: ["id": 1, "fields": ["UF_API_TOKEN": "new-token-2", "TITLE": "x s3cr3t-code"]],
            effect: .update(Self.lead), record: record), redactor: redactor)
        #expect(diff.changes.count == 2)
        #expect(diff.changes.allSatisfy { $0.masked })
        let shown = DiffText.lines(WriteDiff(method: "crm.lead.update", risk: .write, commands: [diff], hash: "0")).joined()
        #expect(!shown.contains("new-token-2") && !shown.contains("old-token-1") && !shown.contains("s3cr3t-code"))
    }

    @Test("Dates: the same instant in any offset is equal; other instants and bad text are not")
    func instants() {
        #expect(ValueComparison.same("2026-12-03T10:00:00+03:00", "2026-12-03T07:00:00+00:00", type: "datetime"))
        #expect(ValueComparison.same("2026-12-03T10:00:00+0300", "2026-12-03 07:00:00Z", type: "datetime"))
        #expect(!ValueComparison.same("2026-12-03T10:00:00+03:00", "2026-12-03T10:00:00+00:00", type: "datetime"))
        #expect(!ValueComparison.same("2026-12-03", "soon", type: "date"))
        // Phones are not numbers: a leading + or 0 keeps text comparison.
        #expect(!ValueComparison.same("+7495", "7495"))
        #expect(!ValueComparison.same("0123", "123"))
    }
}
