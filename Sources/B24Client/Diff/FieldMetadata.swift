import B24Wire
import Foundation

/// What the portal says about one field (`crm.*.fields`, `crm.item.fields`, `tasks.task.getFields`), as far as a
/// diff needs it: a title, a type to compare values by, and whether a write to it is kept.
public struct FieldInfo: Sendable, Equatable {
    /// The name the metadata uses (`TITLE`, `UF_CRM_1`, `assignedById`).
    public var code: String
    /// A person's name for it: the form label of a custom field, else the title, else the code.
    public var title: String
    /// The portal's type (string, integer, double, money, char, boolean, date, datetime, crm_multifield, …).
    public var type: String
    public var isReadOnly = false
    public var isImmutable = false
    public var isMultiple = false

    public init(code: String, title: String, type: String, isReadOnly: Bool = false, isImmutable: Bool = false,
                isMultiple: Bool = false)
    {
        self.code = code
        self.title = title
        self.type = type
        self.isReadOnly = isReadOnly
        self.isImmutable = isImmutable
        self.isMultiple = isMultiple
    }

    /// A phone, e-mail, website or messenger list (`crm_multifield`).
    public var isMultifield: Bool { type == "crm_multifield" }
}

/// The fields of an entity, found by any spelling of their name: `RESPONSIBLE_ID`, `responsibleId` and
/// `responsibleid` are one field (tasks take UPPER names in and give camelCase out; crm.item uses camelCase).
public struct FieldMetadata: Sendable, Equatable {
    public private(set) var fields: [FieldInfo] = []
    private var byKey: [String: Int] = [:]

    public init(_ fields: [FieldInfo] = []) {
        for field in fields { add(field) }
    }

    /// Reads a field map `{CODE: {type, isRequired, isReadOnly, isImmutable, isMultiple, title, formLabel}}`
    /// (tasks say `primary` for the ID).
    public static func parse(_ map: JSONValue?) -> FieldMetadata {
        var metadata = FieldMetadata()
        for (code, value) in map?.objectValue ?? [:] {
            guard let info = value.objectValue else { continue }
            let label = [info["formLabel"], info["listLabel"], info["title"]].lazy
                .compactMap { $0?.stringValue }.first { !$0.isEmpty && $0 != code }
            metadata.add(FieldInfo(
                code: code, title: label ?? code, type: info["type"]?.stringValue ?? "string",
                isReadOnly: (info["isReadOnly"] ?? info["primary"])?.boolValue ?? false,
                isImmutable: info["isImmutable"]?.boolValue ?? false,
                isMultiple: info["isMultiple"]?.boolValue ?? false))
        }
        return metadata
    }

    public mutating func add(_ field: FieldInfo) {
        let key = Self.key(field.code)
        if let index = byKey[key] {
            fields[index] = field
        } else {
            byKey[key] = fields.count
            fields.append(field)
        }
    }

    /// The field named `name` in any spelling.
    public subscript(name: String) -> FieldInfo? {
        byKey[Self.key(name)].map { fields[$0] }
    }

    public var isEmpty: Bool { fields.isEmpty }

    /// One spelling for every name: lower case without underscores.
    public static func key(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" })
    }
}

/// Field names whose values are credentials: masked in a diff whatever they hold.
enum SecretFields {
    static let markers = ["password", "passwd", "secret", "token", "apikey", "api_key", "webhook"]

    static func isSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        return markers.contains { lower.contains($0) }
    }
}
