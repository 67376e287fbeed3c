import B24Wire
import Foundation

// catalog.json is read with B24Wire's parser and these few accessors rather than Foundation's JSONDecoder:
// every `b24 call` loads the catalog, and JSONDecoder's generic machinery cost several milliseconds of runtime
// type lookups per process start (measured with perf on a release build).

/// One JSON object of a data file, with the path used in error messages (`packs[2].methods[0]`).
struct DataObject {
    let members: JSONObject
    let path: String

    init(_ value: JSONValue, at path: String) throws {
        guard case .object(let members) = value else { throw Self.invalid(path, "must be an object") }
        self.members = members
        self.path = path
    }

    static func invalid(_ path: String, _ why: String) -> CatalogError {
        CatalogError.invalidData("\(path.isEmpty ? "the top level" : path) \(why)")
    }

    private func place(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw Self.invalid(place(key), "is missing") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw Self.invalid(place(key), "must be a string")
        }
    }

    func int(_ key: String) throws -> Int {
        guard case .int(let number)? = members[key], let value = Int(exactly: number) else {
            throw Self.invalid(place(key), "must be an integer")
        }
        return value
    }

    func object(_ key: String) throws -> DataObject {
        try DataObject(members[key] ?? .null, at: place(key))
    }

    func list(_ key: String) throws -> [JSONValue] {
        guard case .array(let items)? = members[key] else { throw Self.invalid(place(key), "must be a list") }
        return items
    }

    func strings(_ key: String) throws -> [String] {
        try list(key).enumerated().map { index, item in
            guard case .string(let text) = item else { throw Self.invalid("\(place(key))[\(index)]", "must be a string") }
            return text
        }
    }

    func objects(_ key: String) throws -> [DataObject] {
        try list(key).enumerated().map { index, item in try DataObject(item, at: "\(place(key))[\(index)]") }
    }

    func value<T: RawRepresentable>(_ key: String, as type: T.Type) throws -> T where T.RawValue == String {
        try Self.parse(try string(key), as: type, at: place(key))
    }

    func values<T: RawRepresentable>(_ key: String, as type: T.Type) throws -> [T] where T.RawValue == String {
        try strings(key).enumerated().map { index, text in try Self.parse(text, as: type, at: "\(place(key))[\(index)]") }
    }

    private static func parse<T: RawRepresentable>(_ text: String, as type: T.Type, at path: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else { throw invalid(path, "has an unknown value \"\(text)\"") }
        return value
    }
}

extension CatalogFile {
    /// Reads `catalog.json`.
    init(json: Data) throws {
        let root: JSONValue
        do { root = try JSONParser.parse(json) } catch { throw CatalogError.invalidData("catalog.json is not JSON: \(error)") }
        let top = try DataObject(root, at: "")
        let verbs = try top.object("riskVerbs")
        self.init(
            format: try top.int("format"),
            about: try top.optionalString("about"),
            defaultPack: try top.string("defaultPack"),
            riskVerbs: RiskVerbsData(destructive: try verbs.string("destructive"), write: try verbs.string("write")),
            packs: try top.objects("packs").map(Pack.init(reading:)),
            vocabulary: try top.objects("vocabulary").map {
                VocabularyEntry(terms: try $0.strings("terms"), packs: try $0.strings("packs"), prefixes: try $0.strings("prefixes"))
            })
    }
}

extension Pack {
    init(reading object: DataObject) throws {
        self.init(
            name: try object.string("name"),
            summary: try object.string("summary"),
            scopeNote: try object.string("scopeNote"),
            allow: try object.strings("allow"),
            events: try object.objects("events").map { PackEvent(name: try $0.string("name"), doc: try $0.string("doc")) },
            methods: try object.objects("methods").map { method in
                CatalogMethod(
                    name: try method.string("name"),
                    risk: try method.value("risk", as: RiskClass.self),
                    scope: try method.string("scope"),
                    api: try method.values("api", as: APIVersion.self),
                    doc: try method.string("doc"),
                    summary: try method.string("summary"))
            },
            chains: try object.objects("chains").map { chain in
                Chain(
                    id: try chain.string("id"),
                    title: try chain.string("title"),
                    steps: try chain.objects("steps").map { step in
                        ChainStep(methods: try step.strings("methods"), note: try step.string("note"),
                                  event: try step.optionalString("event"))
                    },
                    guardrails: try chain.strings("guardrails"))
            })
    }
}
