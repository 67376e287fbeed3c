import B24Wire

/// Reads the inputs of a REST 3.0 method from the portal's OpenAPI description (`rest.documentation.openapi`):
/// the request body schema of `POST /METHOD`, its `$ref`s resolved against `components.schemas`.
enum OpenAPISchema {
    /// The top-level properties of the method's request body as inputs; empty when the schema names none.
    static func inputs(for method: String, in document: JSONValue?) -> [FormInput] {
        guard let document else { return [] }
        let paths = document["paths"]?.objectValue ?? [:]
        let operation = paths.first { $0.key.lowercased() == "/" + method.lowercased() }?.value
        guard let schema = (operation?["post"] ?? operation?["get"])?["requestBody"]?["content"]?["application/json"]?["schema"]
        else { return [] }
        let resolved = resolve(schema, in: document)
        let required = Set((resolved["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        return (resolved["properties"]?.objectValue ?? [:]).map { name, property in
            let property = resolve(property, in: document)
            return FormInput(key: name, title: name, note: property["description"]?.stringValue ?? "",
                             kind: kind(of: property), required: required.contains(name),
                             example: property["example"].map { JSONWriter.compact($0) })
        }
    }

    /// A `$ref` (`#/components/schemas/TaskDto`) replaced by what it points at; other schemas as they are.
    static func resolve(_ schema: JSONValue, in document: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 8, let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/") else { return schema }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node.map { resolve($0, in: document, depth: depth + 1) } ?? schema
    }

    static func kind(of property: JSONValue) -> InputKind {
        if let values = property["enum"]?.arrayValue, !values.isEmpty {
            return .choice(values.compactMap(\.stringValue).map { Choice(id: $0, title: $0) })
        }
        switch (property["type"]?.stringValue, property["format"]?.stringValue) {
        case ("string", "date"?): return .date
        case ("string", "date-time"?): return .datetime
        case ("integer", _): return .integer
        case ("number", _): return .double
        case ("boolean", _): return .boolean
        case ("string", _): return .text
        default: return .json
        }
    }
}
