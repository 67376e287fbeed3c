import B24Wire
import Foundation

/// CRM records: generated ones stay virtual until written; written, added and deleted ones live in tables.
final class CRMStore: @unchecked Sendable {
    struct Table {
        let entity: CRMEntity
        let generated: Int
        /// Materialized records (written generated ones and added ones), complete with multifields.
        var stored: [Int: JSONObject] = [:]
        var deleted: Set<Int> = []
        /// IDs above `generated`, ascending.
        var addedIDs: [Int] = []
        var nextID: Int
        var count: Int

        func exists(_ id: Int) -> Bool {
            guard !deleted.contains(id) else { return false }
            return (id >= 1 && id <= generated) || stored[id] != nil
        }
    }

    /// Which fields a list returns (PROTOCOL §2.9): `*` standard ones, `UF_*` user fields, or names.
    struct Selection {
        var standard = false
        var userFields = false
        var names: Set<String> = []

        init(_ select: JSONValue?) {
            let items = select?.arrayValue ?? select?.objectValue.map { Array($0.values) } ?? []
            for item in items {
                guard let name = item.stringValue?.uppercased() else { continue }
                switch name {
                case "*": standard = true
                case "UF_*": userFields = true
                default: names.insert(name)
                }
            }
            if items.isEmpty { standard = true }
        }

        func includes(_ field: CRMField) -> Bool {
            if field.code == "ID" || names.contains(field.code) { return true }
            if field.describedOnly || field.isMultifield { return false }
            return field.isUserField ? userFields : standard
        }
    }

    let generator: CRMGenerator
    private let tables: Locked<[CRMEntity: Table]>
    private let multifieldIDs = Locked(5_000_000_000)

    private let database: SandboxDatabase?

    init(seed: UInt64, leads: Int, database: SandboxDatabase? = nil) {
        generator = CRMGenerator(seed: seed, leads: leads)
        self.database = database
        var tables: [CRMEntity: Table] = [:]
        for entity in CRMEntity.allCases {
            let count = generator.counts[entity] ?? 0
            var table = Table(entity: entity, generated: count, nextID: count + 1, count: count)
            if let snapshot = database?.loadCRM(entity) {
                // Replay what clients wrote in earlier runs on top of the generated records.
                table.stored = snapshot.records
                table.deleted = snapshot.deleted
                table.addedIDs = snapshot.records.keys.filter { $0 > count }.sorted()
                table.nextID = max(snapshot.nextID ?? 0, (table.addedIDs.last ?? count) + 1, count + 1)
                let deletedGenerated = snapshot.deleted.filter { $0 >= 1 && $0 <= count }.count
                table.count = count - deletedGenerated + table.addedIDs.filter { !snapshot.deleted.contains($0) }.count
            }
            tables[entity] = table
        }
        self.tables = Locked(tables)
    }

    // MARK: Reading

    private func value(_ table: Table, _ id: Int, _ field: String) -> JSONValue? {
        if let record = table.stored[id] { return record[field] }
        return generator.value(table.entity, field, id)
    }

    private func record(_ table: Table, _ id: Int, selection: Selection? = nil) -> JSONObject {
        var object = JSONObject()
        for field in table.entity.schema.fields {
            if let selection {
                guard selection.includes(field) else { continue }
            } else if field.describedOnly {
                continue
            }
            if field.isMultifield {
                if let entries = value(table, id, field.code), !(entries.arrayValue?.isEmpty ?? true) {
                    object[field.code] = entries
                }
            } else {
                object[field.code] = value(table, id, field.code) ?? .null
            }
        }
        return object
    }

    func get(_ entity: CRMEntity, id: Int) -> JSONObject? {
        tables.withLock { tables in
            guard let table = tables[entity], table.exists(id) else { return nil }
            return record(table, id)
        }
    }

    /// Visits existing IDs in order within bounds; `body` returns false to stop.
    private func forEachID(_ table: Table, lower: Int, upper: Int, descending: Bool, _ body: (Int) -> Bool) {
        // An empty window (lower above upper, e.g. a >ID cursor past the last record) must not trap.
        let low = max(1, lower)
        let generatedRange = low..<max(low, min(upper, table.generated) + 1)
        let added = table.addedIDs.filter { $0 >= lower && $0 <= upper }
        if descending {
            for id in added.reversed() where table.exists(id) { if !body(id) { return } }
            do {
                for id in generatedRange.reversed() where !table.deleted.contains(id) { if !body(id) { return } }
            }
        } else {
            do {
                for id in generatedRange where !table.deleted.contains(id) { if !body(id) { return } }
            }
            for id in added where table.exists(id) { if !body(id) { return } }
        }
    }

    /// `crm.*.list`: filter, order, select and paging, with a fast path for ID order (and `start=-1`).
    func list(_ entity: CRMEntity, filter: ListFilter, order: [(field: String, descending: Bool)],
              selection: Selection, start: Int) -> MethodOutput {
        tables.withLock { tables in
            let table = tables[entity]!
            let bounds = filter.idBounds()
            let byIDOnly = order.isEmpty || (order.count == 1 && order[0].field == "ID")
            let descending = byIDOnly && (order.first?.descending ?? false)
            let page = Paging.pageSize
            var ids: [Int] = []
            var total = 0
            if byIDOnly {
                if start < 0 {
                    forEachID(table, lower: bounds.lower, upper: bounds.upper, descending: descending) { id in
                        if filter.matches({ value(table, id, $0) }) { ids.append(id) }
                        return ids.count < page
                    }
                } else if filter.isEmpty {
                    total = table.count
                    var skipped = 0
                    forEachID(table, lower: .min, upper: .max, descending: descending) { id in
                        if skipped < start { skipped += 1; return true }
                        ids.append(id)
                        return ids.count < page
                    }
                } else {
                    var matched: [Int] = []
                    forEachID(table, lower: bounds.lower, upper: bounds.upper, descending: descending) { id in
                        if filter.matches({ value(table, id, $0) }) { matched.append(id) }
                        return true
                    }
                    total = matched.count
                    if start < matched.count { ids = Array(matched[start..<min(matched.count, start + page)]) }
                }
            } else {
                var matched: [(id: Int, keys: [JSONValue?])] = []
                forEachID(table, lower: bounds.lower, upper: bounds.upper, descending: false) { id in
                    if filter.matches({ value(table, id, $0) }) {
                        matched.append((id, order.map { value(table, id, $0.field) }))
                    }
                    return true
                }
                matched.sort { a, b in
                    for (index, key) in order.enumerated() {
                        let c = ListFilter.orderedBefore(a.keys[index], b.keys[index])
                        if c != 0 { return key.descending ? c > 0 : c < 0 }
                    }
                    return a.id < b.id
                }
                total = matched.count
                let from = max(0, start)
                if from < matched.count { ids = matched[from..<min(matched.count, from + page)].map(\.id) }
            }
            let rows = JSONValue.array(ids.map { .object(record(table, $0, selection: selection)) })
            if start < 0 { return MethodOutput(rows, total: 0, scanned: 0) }
            let next = start + page < total ? start + page : nil
            // Counting walks every matching row, and the offset walks `start` more before the page.
            return MethodOutput(rows, total: total, next: next, scanned: total + start)
        }
    }

    /// `crm.duplicate.findbycomm`: IDs (ascending, at most `limit`) of records with a phone or e-mail among
    /// `values`. Phones match on their digits (no extension); e-mails without regard to case.
    func findByCommunication(_ entity: CRMEntity, type: String, values: [String], limit: Int = 20) -> [Int] {
        func normalized(_ text: String) -> String {
            if type == "PHONE" {
                let main = text.lowercased().components(separatedBy: CharacterSet(charactersIn: "#x")).first ?? text
                return String(main.filter(\.isNumber))
            }
            return text.lowercased().trimmingCharacters(in: .whitespaces)
        }
        let wanted = Set(values.map(normalized).filter { !$0.isEmpty })
        guard !wanted.isEmpty else { return [] }
        return tables.withLock { tables in
            let table = tables[entity]!
            var ids: [Int] = []
            forEachID(table, lower: .min, upper: .max, descending: false) { id in
                let entries = value(table, id, type)?.arrayValue ?? []
                if entries.contains(where: { wanted.contains(normalized($0["VALUE"]?.stringValue ?? "")) }) { ids.append(id) }
                return ids.count < limit
            }
            return ids
        }
    }

    // MARK: Writing

    /// Creates a record from client fields; returns its ID.
    func add(_ entity: CRMEntity, fields: JSONObject, userID: Int, now: Double) -> Int {
        tables.withLock { tables in
            var table = tables[entity]!
            let id = table.nextID
            table.nextID += 1
            var record = JSONObject()
            for field in entity.schema.fields where !field.describedOnly && !field.isMultifield {
                record[field.code] = .null
            }
            let stamp = JSONValue.string(PortalClock.iso(now))
            let user = JSONValue.string(String(userID))
            record["ID"] = .string(String(id))
            for key in ["DATE_CREATE", "DATE_MODIFY", "MOVED_TIME", "LAST_ACTIVITY_TIME"] where record[key] != nil {
                record[key] = stamp
            }
            for key in ["CREATED_BY_ID", "MODIFY_BY_ID", "ASSIGNED_BY_ID", "MOVED_BY_ID", "LAST_ACTIVITY_BY"]
            where record[key] != nil { record[key] = user }
            for (key, value) in ["OPENED": "Y", "HAS_IMOL": "N", "IS_RETURN_CUSTOMER": "N", "CURRENCY_ID": "RUB",
                                 "OPPORTUNITY": "0.00", "IS_MANUAL_OPPORTUNITY": "N", "BIRTHDATE": "",
                                 "DATE_CLOSED": ""] as [String: JSONValue] where record[key] != nil {
                record[key] = value
            }
            switch entity {
            case .lead:
                record["STATUS_ID"] = "NEW"; record["STATUS_SEMANTIC_ID"] = "P"; record["SOURCE_ID"] = "CALL"
                record["TITLE"] = .string("Lead #\(id)")
            case .deal:
                record["STAGE_ID"] = "NEW"; record["STAGE_SEMANTIC_ID"] = "P"; record["CATEGORY_ID"] = "0"
                record["IS_NEW"] = "Y"; record["CLOSED"] = "N"; record["TITLE"] = .string("Deal #\(id)")
                record["COMPANY_ID"] = "0"
            case .contact:
                record["EXPORT"] = "Y"; record["TYPE_ID"] = "CLIENT"
            case .company:
                record["TITLE"] = .string("Company #\(id)"); record["IS_MY_COMPANY"] = "N"
            }
            apply(fields, to: &record, entity: entity, creating: true)
            table.stored[id] = record
            table.addedIDs.append(id)
            table.count += 1
            tables[entity] = table
            database?.saveRecord(entity, id: id, record: record, nextID: table.nextID)
            return id
        }
    }

    /// Applies client fields; false when the record does not exist.
    func update(_ entity: CRMEntity, id: Int, fields: JSONObject, userID: Int, now: Double) -> Bool {
        tables.withLock { tables in
            var table = tables[entity]!
            guard table.exists(id) else { return false }
            var record = table.stored[id] ?? fullRecord(table, id)
            apply(fields, to: &record, entity: entity, creating: false)
            if record["DATE_MODIFY"] != nil { record["DATE_MODIFY"] = .string(PortalClock.iso(now)) }
            if record["MODIFY_BY_ID"] != nil { record["MODIFY_BY_ID"] = .string(String(userID)) }
            table.stored[id] = record
            tables[entity] = table
            database?.saveRecord(entity, id: id, record: record, nextID: table.nextID)
            return true
        }
    }

    func delete(_ entity: CRMEntity, id: Int) -> Bool {
        tables.withLock { tables in
            var table = tables[entity]!
            guard table.exists(id) else { return false }
            table.deleted.insert(id)
            table.stored[id] = nil
            table.count -= 1
            tables[entity] = table
            database?.deleteRecord(entity, id: id)
            return true
        }
    }

    /// A generated record made concrete, multifields included.
    private func fullRecord(_ table: Table, _ id: Int) -> JSONObject {
        var object = JSONObject()
        for field in table.entity.schema.fields where !field.describedOnly {
            if let value = generator.value(table.entity, field.code, id) { object[field.code] = value }
        }
        return object
    }

    private func apply(_ fields: JSONObject, to record: inout JSONObject, entity: CRMEntity, creating: Bool) {
        let schema = entity.schema
        for (rawKey, value) in fields {
            let key = rawKey.uppercased()
            // Unknown and read-only fields are ignored, as on a real portal.
            guard let field = schema.byCode[key], !field.isReadOnly || field.code == "CONTACT_IDS" else { continue }
            if field.isMultifield {
                let merged = mergeMultifield(record[key]?.arrayValue ?? [], changes: value, type: key)
                record[key] = merged.isEmpty ? nil : .array(merged)
                continue
            }
            if field.describedOnly { continue }
            record[key] = coerce(value, type: field.type, multiple: field.isMultiple)
        }
        if schema.byCode["HAS_PHONE"] != nil { record["HAS_PHONE"] = record["PHONE"] == nil ? "N" : "Y" }
        if schema.byCode["HAS_EMAIL"] != nil { record["HAS_EMAIL"] = record["EMAIL"] == nil ? "N" : "Y" }
        if entity == .lead, let status = record["STATUS_ID"]?.stringValue {
            record["STATUS_SEMANTIC_ID"] = status == "CONVERTED" ? "S" : (status == "JUNK" ? "F" : "P")
        }
        if entity == .deal, let stage = record["STAGE_ID"]?.stringValue {
            record["STAGE_SEMANTIC_ID"] = stage.hasSuffix("WON") ? "S" : (stage.hasSuffix("LOSE") ? "F" : "P")
            record["CLOSED"] = stage.hasSuffix("WON") || stage.hasSuffix("LOSE") ? "Y" : "N"
        }
    }

    /// Values as the portal stores and returns them: IDs and money as strings, flags as Y/N.
    private func coerce(_ value: JSONValue, type: String, multiple: Bool) -> JSONValue {
        if multiple, let items = value.arrayValue { return .array(items.map { coerce($0, type: type, multiple: false) }) }
        switch value {
        case .null: return .null
        case .array, .object: return value
        default: break
        }
        switch type {
        case "double":
            guard let number = value.doubleValue else { return .string(value.stringValue ?? "") }
            return .string(String(format: "%.2f", number))
        case "char":
            if case .bool(let flag) = value { return flag ? "Y" : "N" }
            return .string(value.stringValue ?? "")
        default:
            if case .bool(let flag) = value { return flag ? "Y" : "N" }
            return .string(value.stringValue ?? "")
        }
    }

    /// Multifield update semantics (PROTOCOL §2.9): `{ID, VALUE}` changes, `{ID, DELETE:"Y"}`, `{ID, VALUE:""}`
    /// or a bare `{ID}` deletes, an entry without ID is added; entries not mentioned stay.
    private func mergeMultifield(_ existing: [JSONValue], changes: JSONValue, type: String) -> [JSONValue] {
        var entries = existing
        let items = changes.arrayValue ?? changes.objectValue.map { Array($0.values) } ?? []
        for item in items {
            guard let object = item.objectValue else {
                if let text = item.stringValue, !text.isEmpty { entries.append(newEntry(text, "WORK", type)) }
                continue
            }
            let valueType = object["VALUE_TYPE"]?.stringValue
            if let id = object["ID"]?.stringValue, !id.isEmpty {
                guard let index = entries.firstIndex(where: { $0["ID"]?.stringValue == id }) else { continue }
                let value = object["VALUE"]?.stringValue
                let delete = object["DELETE"]?.boolValue == true || value == "" || (value == nil && valueType == nil)
                if delete {
                    entries.remove(at: index)
                } else if var entry = entries[index].objectValue {
                    if let value { entry["VALUE"] = .string(value) }
                    if let valueType { entry["VALUE_TYPE"] = .string(valueType) }
                    entries[index] = .object(entry)
                }
            } else if let value = object["VALUE"]?.stringValue, !value.isEmpty {
                entries.append(newEntry(value, valueType ?? "WORK", type))
            }
        }
        return entries
    }

    private func newEntry(_ value: String, _ valueType: String, _ type: String) -> JSONValue {
        let id = multifieldIDs.withLock { next -> Int in
            next += 1
            return next
        }
        return ["ID": .string(String(id)), "VALUE_TYPE": .string(valueType), "VALUE": .string(value),
                "TYPE_ID": .string(type)]
    }
}
