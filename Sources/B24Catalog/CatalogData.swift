import Foundation

// Resources/catalog.json (format 1), b24's own file:
//
//   { "format": 1, "about": "...", "defaultPack": "core",
//     "riskVerbs": { "destructive": "<regex>", "write": "<regex>" },      // for methods no pack lists
//     "packs": [ { "name", "summary", "scopeNote", "allow": ["crm.*", "batch", ...],
//                  "events":  [ { "name": "ONIMCOMMANDADD", "doc": "<path in bitrix24/b24restdocs>" } ],
//                  "methods": [ { "name", "risk": "read|write|mixed|destructive", "scope": "crm",
//                                 "api": ["v2"] | ["v2", "v3"], "doc", "summary" } ],
//                  "chains":  [ { "id": "<pack>.<slug>", "title",
//                                 "steps": [ { "methods": ["crm.lead.list"], "note": "...", "event"?: "ONX" } ],
//                                 "guardrails": ["..."] } ] } ],
//     "vocabulary": [ { "terms": ["open lines", ...], "packs": ["comms"], "prefixes": ["imopenlines.", ...] } ] }

/// REST API generation a method (or a method spec) belongs to.
public enum APIVersion: String, Codable, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// The classic REST API: `/rest/{method}`.
    case v2
    /// REST 3.0: `/rest/api/{method}`, JSON bodies only.
    case v3

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// A capability pack: a named group of methods with the allow patterns a profile gets by enabling it.
public struct Pack: Codable, Sendable, Hashable, Identifiable {
    /// Short lower-case name, e.g. `core`, `comms`.
    public let name: String
    /// One line: what the pack is about.
    public let summary: String
    /// One line: what enabling the pack lets a profile do.
    public let scopeNote: String
    /// Method-name patterns the pack allows (exact names or globs such as `crm.*`).
    public let allow: [String]
    /// Events documented for the pack.
    public let events: [PackEvent]
    /// The pack's method shortlist.
    public let methods: [CatalogMethod]
    /// Ordered recipes that combine the pack's methods.
    public let chains: [Chain]

    public var id: String { name }
}

/// One method of a pack's catalog.
public struct CatalogMethod: Codable, Sendable, Hashable, Identifiable {
    /// Method name as documented, e.g. `crm.lead.add` or `landing.site.getList`.
    public let name: String
    /// Risk class of the method.
    public let risk: RiskClass
    /// Bitrix24 permission scope the method needs (`basic` for scope-free system methods).
    public let scope: String
    /// API generations the method is available in.
    public let api: [APIVersion]
    /// Path of the method's page inside the bitrix24/b24restdocs repository.
    public let doc: String
    /// One line: what the method does.
    public let summary: String
    /// Name of the pack that lists the method (filled in when the catalog loads).
    public internal(set) var pack: String = ""

    public var id: String { name }
    /// The documentation page on GitHub.
    public var docURL: URL { Catalog.docURL(for: doc) }

    enum CodingKeys: String, CodingKey { case name, risk, scope, api, doc, summary }
}

/// An event a pack documents.
public struct PackEvent: Codable, Sendable, Hashable {
    /// Upper-case event name, e.g. `ONIMBOTMESSAGEADD`.
    public let name: String
    /// Path of the event's page inside bitrix24/b24restdocs.
    public let doc: String
    /// The documentation page on GitHub.
    public var docURL: URL { Catalog.docURL(for: doc) }
}

/// An ordered recipe of calls ("chain") with optional guardrails.
public struct Chain: Codable, Sendable, Hashable, Identifiable {
    /// Stable id: `<pack>.<slug>`, e.g. `core.lead-intake`.
    public let id: String
    /// Human title.
    public let title: String
    /// Steps in order.
    public let steps: [ChainStep]
    /// Safety notes that apply to the whole chain.
    public let guardrails: [String]
    /// Name of the pack the chain belongs to (filled in when the catalog loads).
    public internal(set) var pack: String = ""

    /// Every method the chain's steps name, in order, without repeats.
    public var methodNames: [String] {
        var seen = Set<String>()
        return steps.flatMap(\.methods).filter { seen.insert($0.lowercased()).inserted }
    }

    enum CodingKeys: String, CodingKey { case id, title, steps, guardrails }
}

/// One step of a chain: the methods it calls (none for a manual step, two for "this or that"),
/// an event it waits for, and a note.
public struct ChainStep: Codable, Sendable, Hashable {
    /// Methods the step calls; empty for a step done in your own code.
    public let methods: [String]
    /// What to do or watch for.
    public let note: String
    /// Event the step handles, if any (e.g. `ONIMCOMMANDADD`).
    public let event: String?

    public init(methods: [String], note: String, event: String? = nil) {
        self.methods = methods
        self.note = note
        self.event = event
    }

    /// The first (main) method of the step.
    public var method: String? { methods.first }

    /// One-line rendering, e.g. "crm.lead.list: look for duplicates of the new lead".
    public var text: String {
        var head = methods.joined(separator: " or ")
        if let event { head = head.isEmpty ? "on \(event)" : "\(head) on \(event)" }
        return head.isEmpty ? note : "\(head): \(note)"
    }
}

/// Product vocabulary: words people use for a feature, mapped to packs and method prefixes.
public struct VocabularyEntry: Codable, Sendable, Hashable {
    /// Lower-case terms, e.g. "open lines", "copilot".
    public let terms: [String]
    /// Packs the terms point to.
    public let packs: [String]
    /// Method-name prefixes the terms point to, e.g. `imopenlines.`.
    public let prefixes: [String]
}

/// Regular expressions that classify an unlisted method by its verb.
struct RiskVerbsData: Codable, Sendable, Hashable {
    let destructive: String
    let write: String
}

/// Top level of `catalog.json`.
struct CatalogFile: Codable, Sendable {
    let format: Int
    let about: String?
    let defaultPack: String
    let riskVerbs: RiskVerbsData
    let packs: [Pack]
    let vocabulary: [VocabularyEntry]
}
