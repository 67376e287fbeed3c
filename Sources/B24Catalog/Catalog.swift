import B24Wire
import Foundation

/// Errors of the catalog: unknown pack names, bad patterns, broken data files.
public enum CatalogError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// A pack name that the catalog does not know; `valid` lists the accepted names (including `none`).
    case unknownPack(name: String, valid: [String])
    /// An allow pattern that cannot be used (empty or containing spaces).
    case invalidPattern(String)
    /// A data file that does not decode or is inconsistent.
    case invalidData(String)

    public var description: String {
        switch self {
        case let .unknownPack(name, valid):
            return "unknown pack \"\(name)\"; valid packs: \(valid.joined(separator: ", "))"
        case let .invalidPattern(pattern):
            return "invalid method pattern \"\(pattern)\": use a method name or a glob such as crm.*"
        case let .invalidData(why):
            return "catalog data is invalid: \(why)"
        }
    }

    public var errorDescription: String? { description }
}

/// The packs, method catalogs, chains, vocabulary and method specs b24 ships with.
///
/// Method names are compared case-insensitively everywhere, as the portal does.
public struct Catalog: Sendable {
    /// All packs in catalog order; the default pack first.
    public let packs: [Pack]
    /// Name of the pack a profile gets when it names none (`core`).
    public let defaultPackName: String
    /// Product vocabulary used by ``search(_:limit:)``.
    public let vocabulary: [VocabularyEntry]
    /// Every method spec, sorted by method then API version.
    public var specs: [MethodSpec] { specTable.value.specs }

    private let verbs: VerbMatcher
    private let methodIndex: [String: (pack: Int, method: Int)]
    /// Method specs are decoded on first use: a headless `b24 call` needs the packs, not the specs.
    private let specTable: SpecTable

    /// Base of documentation links: the official docs repository on GitHub.
    public static let docBase = "https://github.com/bitrix24/b24restdocs/blob/main/"

    // MARK: Loading

    /// The catalog bundled with b24. Broken bundled data is a programmer error and stops the program.
    public static let bundled: Catalog = {
        do {
            return try loadBundled()
        } catch {
            preconditionFailure("B24Catalog: the bundled catalog.json/method-specs.json cannot be loaded: \(error)")
        }
    }()

    static func loadBundled() throws -> Catalog {
        func data(_ name: String) throws -> Data {
            if let beside = resourceBesideExecutable(name), let data = try? Data(contentsOf: beside) { return data }
            guard let url = Bundle.module.url(forResource: name, withExtension: "json") else {
                throw CatalogError.invalidData("resource \(name).json is missing from the bundle")
            }
            return try Data(contentsOf: url)
        }
        return try Catalog(catalogJSON: data("catalog"), specs: SpecTable {
            do { return try SpecTable.Contents(specsJSON: data("method-specs")) } catch {
                preconditionFailure("B24Catalog: the bundled method-specs.json cannot be loaded: \(error)")
            }
        })
    }

    /// `NAME.json` in the resource directory SwiftPM puts beside the executable, found without `Bundle`:
    /// setting up Foundation's bundles cost most of a millisecond of every `b24 call`. Nil when it is not there
    /// (tests, other layouts), and `Bundle.module` finds the file.
    private static func resourceBesideExecutable(_ name: String) -> URL? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let executable = URL(fileURLWithPath: String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return executable.deletingLastPathComponent()
            .appendingPathComponent("b24_B24Catalog.resources").appendingPathComponent("\(name).json")
    }

    /// Builds a catalog from the two data files and checks their consistency.
    public init(catalogJSON: Data, specsJSON: Data) throws {
        let contents = try SpecTable.Contents(specsJSON: specsJSON)
        try self.init(catalogJSON: catalogJSON, specs: SpecTable { contents })
        // The bundled catalog compiles its verb patterns on first use; data given here is checked whole now.
        try verbs.validate()
    }

    init(catalogJSON: Data, specs: SpecTable) throws {
        let file = try CatalogFile(json: catalogJSON)
        guard file.format == 1 else {
            throw CatalogError.invalidData("unsupported format \(file.format)")
        }

        var packs = file.packs
        var index: [String: (pack: Int, method: Int)] = [:]
        var packNames = Set<String>()
        for p in packs.indices {
            guard packNames.insert(packs[p].name.lowercased()).inserted, packs[p].name.lowercased() != "none" else {
                throw CatalogError.invalidData("pack name \(packs[p].name) is repeated or reserved")
            }
            var methods = packs[p].methods
            for m in methods.indices {
                methods[m].pack = packs[p].name
                let key = methods[m].name.lowercased()
                guard index[key] == nil else {
                    throw CatalogError.invalidData("method \(methods[m].name) is listed twice")
                }
                index[key] = (p, m)
            }
            var chains = packs[p].chains
            for c in chains.indices { chains[c].pack = packs[p].name }
            packs[p] = Pack(name: packs[p].name, summary: packs[p].summary, scopeNote: packs[p].scopeNote,
                            allow: packs[p].allow, events: packs[p].events, methods: methods, chains: chains)
        }
        guard packNames.contains(file.defaultPack.lowercased()) else {
            throw CatalogError.invalidData("default pack \(file.defaultPack) does not exist")
        }
        for entry in file.vocabulary {
            for name in entry.packs where !packNames.contains(name.lowercased()) {
                throw CatalogError.invalidData("vocabulary names unknown pack \(name)")
            }
        }

        self.packs = packs
        self.defaultPackName = file.defaultPack
        self.vocabulary = file.vocabulary
        self.specTable = specs
        self.methodIndex = index
        self.verbs = VerbMatcher(destructive: file.riskVerbs.destructive, write: file.riskVerbs.write)
    }

    static func specKey(_ method: String, _ version: APIVersion) -> String {
        "\(method.lowercased())@\(version.rawValue)"
    }

    // MARK: Packs and methods

    /// Pack names in catalog order.
    public var packNames: [String] { packs.map(\.name) }

    /// The default pack (`core`).
    public var defaultPack: Pack { pack(named: defaultPackName)! }

    /// Every method of every pack, in catalog order.
    public var allMethods: [CatalogMethod] { packs.flatMap(\.methods) }

    /// Every chain of every pack, in catalog order; each chain knows its ``Chain/pack``.
    public var allChains: [Chain] { packs.flatMap(\.chains) }

    /// A pack by name (case-insensitive).
    public func pack(named name: String) -> Pack? {
        let key = name.trimmingWhitespace.lowercased()
        return packs.first { $0.name.lowercased() == key }
    }

    /// The catalog entry of a method and the pack that lists it (case-insensitive); nil when no pack lists it.
    public func entry(for method: String) -> (method: CatalogMethod, pack: Pack)? {
        guard let at = methodIndex[Self.normalize(method)] else { return nil }
        return (packs[at.pack].methods[at.method], packs[at.pack])
    }

    /// Packs a method belongs to: first the pack that lists it, then every other pack whose allow patterns
    /// admit it (for example `calendar.event.get` → services, collab). Empty when no pack covers the method.
    public func packs(containing method: String) -> [Pack] {
        let name = Self.normalize(method)
        var result: [Pack] = []
        if let listed = entry(for: name)?.pack { result.append(listed) }
        for pack in packs where !result.contains(where: { $0.name == pack.name }) {
            if pack.allow.contains(where: { MethodPattern($0).matches(name) }) { result.append(pack) }
        }
        return result
    }

    /// A chain by id (`core.lead-intake`), case-insensitive.
    public func chain(id: String) -> Chain? {
        let key = id.lowercased()
        return allChains.first { $0.id.lowercased() == key }
    }

    /// Methods the portal reports that no pack lists: sorted, compared in lower case, without repeats.
    /// Feed it the result of the `methods` call to discover what a portal offers beyond the catalog.
    public func unlisted(from portalMethods: [String]) -> [String] {
        var seen = Set<String>()
        var result: [(key: String, name: String)] = []
        for raw in portalMethods {
            let name = raw.trimmingWhitespace
            let key = name.lowercased()
            guard !key.isEmpty, methodIndex[key] == nil, seen.insert(key).inserted else { continue }
            result.append((key, name))
        }
        return result.sorted { $0.key < $1.key }.map(\.name)
    }

    // MARK: Specs

    /// The spec of a method in one API version (case-insensitive).
    public func spec(for method: String, version: APIVersion = .v2) -> MethodSpec? {
        let table = specTable.value
        return table.index[Self.specKey(Self.normalize(method), version)].map { table.specs[$0] }
    }

    /// Specs of a method in every API version b24 knows, v2 first.
    public func specs(for method: String) -> [MethodSpec] {
        APIVersion.allCases.compactMap { spec(for: method, version: $0) }
    }

    // MARK: Risk

    /// Risk of a method: the catalog's class when a pack lists it; otherwise by its verb (the last name
    /// segment, or the leading word of a camelCase segment such as `deleteTask`), destructive verbs checked
    /// first; otherwise `read`.
    public func risk(of method: String) -> RiskClass {
        if let listed = entry(for: method) { return listed.method.risk }
        return riskByVerb(of: method)
    }

    /// Risk from the verb patterns alone, ignoring the catalog.
    public func riskByVerb(of method: String) -> RiskClass {
        let candidates = Self.verbCandidates(MethodName.canonical(method))
        if candidates.contains(where: verbs.isDestructive) { return .destructive }
        if candidates.contains(where: verbs.isWrite) { return .write }
        return .read
    }

    /// Risk of a batch: the highest risk of its commands. Commands may be bare method names or
    /// `method?query` strings as sent in `cmd`. A nested `batch` (never allowed by the portal) counts as `mixed`.
    public func risk(ofBatch commands: [String]) -> RiskClass {
        RiskClass.highest(commands.map { command -> RiskClass in
            let method = String(command.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            return risk(of: method)
        })
    }

    /// The name itself, plus the name with a camelCase last segment cut to its leading word.
    private static func verbCandidates(_ name: String) -> [String] {
        var result = [name]
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        if let last = segments.last, let upper = last.firstIndex(where: { $0.isUppercase }), upper != last.startIndex {
            let head = segments.dropLast().joined(separator: ".")
            let verb = String(last[..<upper])
            result.append(head.isEmpty ? verb : head + "." + verb)
        }
        return result
    }

    static func normalize(_ method: String) -> String {
        MethodName.canonical(method).lowercased()
    }

    // MARK: Links

    /// A documentation path as a GitHub URL in bitrix24/b24restdocs.
    public static func docURL(for path: String) -> URL {
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let escaped = trimmed.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? trimmed
        guard let url = URL(string: docBase + escaped) else {
            preconditionFailure("B24Catalog: cannot build a documentation URL from \(path)")
        }
        return url
    }
}

/// The verb regular expressions, compiled on first use: most calls name a catalog method and never need them,
/// and compiling costs a few milliseconds at every start. Thread-safe.
final class VerbMatcher: @unchecked Sendable {
    private let destructivePattern: String
    private let writePattern: String
    private let lock = NSLock()
    private var compiled: (destructive: NSRegularExpression, write: NSRegularExpression)?

    init(destructive: String, write: String) {
        destructivePattern = destructive
        writePattern = write
    }

    /// Compiles both patterns now; throws `.invalidData` when one does not compile.
    func validate() throws { _ = try expressions() }

    func isDestructive(_ name: String) -> Bool { Self.matches(compiledOrStop().destructive, name) }
    func isWrite(_ name: String) -> Bool { Self.matches(compiledOrStop().write, name) }

    private func expressions() throws -> (destructive: NSRegularExpression, write: NSRegularExpression) {
        try lock.withLock {
            if let compiled { return compiled }
            do {
                let pair = (try NSRegularExpression(pattern: destructivePattern, options: [.caseInsensitive]),
                            try NSRegularExpression(pattern: writePattern, options: [.caseInsensitive]))
                compiled = pair
                return pair
            } catch {
                throw CatalogError.invalidData("risk verb pattern does not compile: \(error)")
            }
        }
    }

    private func compiledOrStop() -> (destructive: NSRegularExpression, write: NSRegularExpression) {
        do { return try expressions() } catch { preconditionFailure("B24Catalog: \(error)") }
    }

    private static func matches(_ regex: NSRegularExpression, _ name: String) -> Bool {
        regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }
}

/// The method specs, decoded once on first use and shared by every copy of the catalog.
final class SpecTable: @unchecked Sendable {
    /// Decoded specs, sorted by method and API version, with an index by `method@version`.
    struct Contents {
        var specs: [MethodSpec]
        var index: [String: Int]

        init(specsJSON: Data) throws {
            let file: SpecsFile
            do { file = try JSONDecoder().decode(SpecsFile.self, from: specsJSON) } catch {
                throw CatalogError.invalidData("\(error)")
            }
            guard file.format == 1 else { throw CatalogError.invalidData("unsupported specs format \(file.format)") }
            specs = file.specs.sorted { ($0.method.lowercased(), $0.api) < ($1.method.lowercased(), $1.api) }
            index = [:]
            for (i, spec) in specs.enumerated() {
                let key = Catalog.specKey(spec.method, spec.api)
                guard index[key] == nil else { throw CatalogError.invalidData("spec \(spec.id) is repeated") }
                index[key] = i
            }
        }
    }

    private let lock = NSLock()
    private var loaded: Contents?
    private let load: () -> Contents

    init(_ load: @escaping () -> Contents) {
        self.load = load
    }

    var value: Contents {
        lock.withLock {
            if let loaded { return loaded }
            let contents = load()
            loaded = contents
            return contents
        }
    }
}
