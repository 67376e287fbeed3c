import Foundation

// Resources/method-specs.json (format 1), b24's own file:
//
//   { "format": 1, "about": "...",
//     "specs": [ { "method": "crm.lead.list", "api": "v2" | "v3", "scope": "crm", "summary", "doc"?,
//                  "params": [ { "name", "type": "string|integer|boolean|object|array|date|datetime|double|file|any",
//                                "required", "description", "example"?: "<JSON text>", "fields"?: [<param>...] } ],
//                  "result": "<one line>",
//                  "errors": [ { "code", "http"?, "message"?, "meaning" } ],
//                  "notes"?: ["..."] } ] }

/// Type of a parameter in a method spec.
public enum ParamType: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    case string, integer, boolean, object, array, date, datetime, double, file, any
    public var description: String { rawValue }
}

/// One parameter of a method.
public struct ParamSpec: Codable, Sendable, Hashable {
    /// Name as the portal expects it (CRM v2 names are matched case-insensitively by the portal).
    public let name: String
    public let type: ParamType
    public let required: Bool
    /// Short description.
    public let description: String
    /// A sample value as JSON text, e.g. `{"ID": "ASC"}` or `0`.
    public let example: String?
    /// Members of an object parameter (e.g. the fields of `fields`), when documented.
    public let fields: [ParamSpec]?

    public init(name: String, type: ParamType, required: Bool, description: String,
                example: String? = nil, fields: [ParamSpec]? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.description = description
        self.example = example
        self.fields = fields
    }
}

/// An error a method is documented to return (besides the system errors every method can return).
public struct ErrorSpec: Codable, Sendable, Hashable {
    /// The `error` code. It may be empty (CRM), numeric text (`"0"`, `"100"`, `"200040300010"`) or a name.
    public let code: String
    /// HTTP status, when known.
    public let http: Int?
    /// The portal's `error_description`, when it is fixed text.
    public let message: String?
    /// What it means, in one line.
    public let meaning: String
}

/// What b24 knows about calling one method in one API version.
public struct MethodSpec: Codable, Sendable, Hashable, Identifiable {
    public let method: String
    public let api: APIVersion
    /// Bitrix24 permission scope (`basic` for scope-free methods).
    public let scope: String
    /// One line: what the call does.
    public let summary: String
    /// Path of the documentation page inside bitrix24/b24restdocs.
    public let doc: String?
    public let params: [ParamSpec]
    /// Shape of `result`, in one line.
    public let result: String
    /// Notable method-specific errors.
    public let errors: [ErrorSpec]
    /// Caveats worth knowing.
    public let notes: [String]?

    /// `method@v2` or `method@v3`.
    public var id: String { "\(method)@\(api.rawValue)" }
    /// Parameters the call cannot do without.
    public var requiredParams: [ParamSpec] { params.filter(\.required) }
    /// The documentation page on GitHub.
    public var docURL: URL? { doc.map(Catalog.docURL(for:)) }

    /// A parameter by name: the exact spelling first, else compared case-insensitively.
    /// (A few methods document two parameters that differ only in case, e.g. `sort` and `SORT` of
    /// `department.get`.)
    public func param(named name: String) -> ParamSpec? {
        if let exact = params.first(where: { $0.name == name }) { return exact }
        let key = name.lowercased()
        return params.first { $0.name.lowercased() == key }
    }
}

/// Top level of `method-specs.json`.
struct SpecsFile: Codable, Sendable {
    let format: Int
    let about: String?
    let specs: [MethodSpec]
}
