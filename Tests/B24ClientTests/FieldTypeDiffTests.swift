import B24Client
import B24Sandbox
import B24Wire
import Testing

/// Every field type the sandbox's CRM and task schemas report: the same meaning written differently is no
/// change, another value is a change titled from the metadata.
@Suite("Diff of every field type of the sandbox's CRM and task schemas")
struct FieldTypeDiffTests {
    /// Per type: a value as the portal returns it, the same meaning as a client might write it, another value.
    static let samples: [String: (stored: JSONValue, same: JSONValue, other: JSONValue)] = [
        "integer": ("5", 5, 6),
        "string": ("Acme", "Acme", "Acme 2"),
        "char": ("Y", true, "N"),
        "boolean": ("1", "Y", "0"),
        "double": ("15000.00", 15000, "15000.5"),
        "crm_status": ("NEW", "NEW", "IN_PROCESS"),
        "crm_currency": ("RUB", "RUB", "USD"),
        "crm_category": ("0", 0, "1"),
        "user": ("1", 1, 2),
        "crm_company": ("3", 3, "4"),
        "crm_contact": ("3", 3, "4"),
        "crm_lead": ("3", 3, "4"),
        "crm_quote": ("3", 3, "4"),
        "location": ("12", 12, "13"),
        "enumeration": ("41", 41, "43"),
        "date": ("2026-12-03T00:00:00+03:00", "2026-12-02T21:00:00+00:00", "2026-12-04T00:00:00+03:00"),
        "datetime": ("2026-12-03T10:00:00+03:00", "2026-12-03T07:00:00Z", "2026-12-03T10:00:00Z"),
        "file": (["id": 5, "showUrl": "/f/5"], ["showUrl": "/f/5", "id": "5"], ["id": 6]),
        "enum": ("2", 2, "1"),
        "array": (["1", "2"], [2, 1], [1]),
        "crm": (["L_1", "C_2"], ["C_2", "L_1"], ["D_3"]),
        "crm_multifield": ([["ID": "7", "VALUE_TYPE": "WORK", "VALUE": "+7 1"], ["ID": "8", "VALUE_TYPE": "HOME", "VALUE": "+7 2"]],
                           [["ID": "8", "VALUE_TYPE": "HOME", "VALUE": "+7 2"], ["ID": "7", "VALUE_TYPE": "WORK", "VALUE": "+7 1"]],
                           [["ID": "7", "VALUE": ""]]),
    ]

    @Test("Each field of crm.lead/deal/contact/company.fields and tasks.task.getFields: same meaning = no change, other value = change")
    func everyFieldType() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.webhookClient()
        var sources: [(entity: ReadableEntity, metadata: FieldMetadata)] = []
        for name in ["crm.lead", "crm.deal", "crm.contact", "crm.company", "tasks.task"] {
            let entity = try #require(ReadTargets.entity(name))
            let method = try #require(entity.fieldsMethod)
            let result = try #require(await client.call(CallRequest(method: method)).value)
            let metadata = FieldMetadata.parse(entity.fieldsKey.map { result[$0] ?? .null } ?? result)
            #expect(metadata.fields.count > 10, "\(method) described too few fields")
            sources.append((entity, metadata))
        }
        var seenTypes: Set<String> = []
        for (entity, metadata) in sources {
            for field in metadata.fields {
                seenTypes.insert(field.type)
                guard let sample = Self.samples[field.type] else {
                    Issue.record("no sample for type \(field.type) (\(entity.name) \(field.code))")
                    continue
                }
                let record: JSONValue = .object([field.code: sample.stored])
                func diff(_ value: JSONValue) -> CommandDiff {
                    DiffEngine.diff(DiffEngine.Input(
                        method: entity.name + ".update", params: [.init(stringLiteral: entity.idParam): 1, "fields": .object([field.code: value])],
                        effect: .update(entity), record: record, metadata: metadata))
                }
                let same = diff(sample.same)
                #expect(same.changes.isEmpty && same.unchanged == [field.code], "\(entity.name) \(field.code) (\(field.type)): false change")
                let other = diff(sample.other)
                #expect(other.changes.map(\.code) == [field.code], "\(entity.name) \(field.code) (\(field.type)): change missed")
                #expect(other.changes.first?.title == field.title)
                #expect(other.changes.first?.ignoredByPortal == (field.isReadOnly || field.isImmutable))
            }
        }
        // The table covers what the schemas have, and nothing they lack.
        #expect(seenTypes == Set(Self.samples.keys), "types without samples or samples without types: \(seenTypes.symmetricDifference(Self.samples.keys))")
        // UF fields are diffed like the others, under their labels.
        let lead = try #require(sources.first?.metadata)
        #expect(lead["UF_CRM_LEAD_CHANNEL"]?.title == "Lead channel")
    }
}
