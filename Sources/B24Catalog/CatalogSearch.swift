/// One result of ``Catalog/search(_:limit:)``.
public struct SearchHit: Sendable, Hashable {
    /// What was found.
    public enum Kind: String, Sendable, Hashable, Codable {
        case pack, method, chain
    }

    /// How it was found, strongest first.
    public enum Match: Int, Sendable, Hashable, Comparable {
        /// Matched by text: every query word occurs in the item (name, summary, title, steps).
        case text = 1
        /// Matched through the product vocabulary ("open lines" → comms).
        case vocabulary = 2
        /// The item's name starts with the query.
        case namePrefix = 3
        /// The item's name is the query.
        case exactName = 4

        public static func < (lhs: Match, rhs: Match) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let kind: Kind
    /// Pack name, method name or chain id.
    public let name: String
    /// The pack the item belongs to (the pack itself for a pack hit).
    public let pack: String
    /// Pack or method summary, or chain title.
    public let title: String
    public let match: Match
    /// The text that matched: the name, the vocabulary term, or the field that held the words.
    public let matched: String
    /// Why it matched, for people, e.g. `vocabulary: open lines → comms`.
    public let reason: String
    /// Ranking score; higher first.
    public let score: Int
}

extension Catalog {
    /// Searches packs (name, summary), methods (name, summary) and chains (id, title, steps), case-insensitively.
    ///
    /// Ranking: exact name, then name prefix, then vocabulary (e.g. "time tracking" → services, `timeman.*`),
    /// then text where every query word occurs. Within a rank, items that contain more of the query words come
    /// first, then packs before methods before chains, then catalog order. Each item appears once, with its
    /// best match.
    public func search(_ query: String, limit: Int? = nil) -> [SearchHit] {
        let words = query.lowercased()
            .split(whereSeparator: { $0.isWhitespace || $0 == "," })
            .map(String.init)
        guard !words.isEmpty else { return [] }
        let phrase = words.joined(separator: " ")

        var best: [String: (hit: SearchHit, order: Int)] = [:]
        func offer(_ hit: SearchHit, order: Int) {
            let key = "\(hit.kind.rawValue):\(hit.name.lowercased())"
            if let old = best[key], old.hit.score >= hit.score { return }
            best[key] = (hit, order)
        }
        func bonus(_ haystack: String) -> Int {
            words.filter { haystack.contains($0) }.count * 10
        }

        var items: [SearchItem] = []
        for pack in packs {
            items.append(SearchItem(kind: .pack, name: pack.name, pack: pack.name, title: pack.summary,
                              fields: [("summary", pack.summary), ("scope note", pack.scopeNote)]))
        }
        for method in allMethods {
            items.append(SearchItem(kind: .method, name: method.name, pack: method.pack, title: method.summary,
                              fields: [("summary", method.summary)]))
        }
        for chain in allChains {
            items.append(SearchItem(kind: .chain, name: chain.id, pack: chain.pack, title: chain.title,
                              fields: [("title", chain.title)] + chain.steps.map { ("step", $0.text) }))
        }

        // Vocabulary: terms found in the query (or a query of 4+ characters that begins a term).
        var vocabularyHits: [(term: String, entry: VocabularyEntry)] = []
        for entry in vocabulary {
            if let term = entry.terms.first(where: { Self.phrase(phrase, matchesTerm: $0.lowercased()) }) {
                vocabularyHits.append((term, entry))
            }
        }

        for (order, item) in items.enumerated() {
            let name = item.name.lowercased()
            let haystack = item.haystack
            let extra = bonus(haystack)
            if name == phrase {
                offer(hit(item, .exactName, matched: item.name, reason: "exact name", score: 1000 + extra), order: order)
            } else if words.count == 1, phrase.count >= 2, name.hasPrefix(phrase) {
                offer(hit(item, .namePrefix, matched: item.name, reason: "name starts with \"\(phrase)\"",
                          score: 800 + extra), order: order)
            }
            for (term, entry) in vocabularyHits {
                let target = "\(term) → \(entry.packs.joined(separator: ", "))"
                switch item.kind {
                case .pack where entry.packs.contains(where: { $0.lowercased() == name }):
                    offer(hit(item, .vocabulary, matched: term, reason: "vocabulary: \(target)", score: 600 + extra),
                          order: order)
                case .method:
                    if let prefix = entry.prefixes.first(where: { name.hasPrefix($0.lowercased()) }) {
                        offer(hit(item, .vocabulary, matched: term, reason: "vocabulary: \(target) (\(prefix)*)",
                                  score: 600 + extra), order: order)
                    }
                default:
                    break
                }
            }
            if words.allSatisfy({ haystack.contains($0) }) {
                if words.allSatisfy({ name.contains($0) }) {
                    offer(hit(item, .text, matched: item.name, reason: "name contains \"\(phrase)\"", score: 400 + extra),
                          order: order)
                } else {
                    let field = item.fields.first { f in words.contains { f.text.lowercased().contains($0) } }
                    let label = field?.label ?? "text"
                    offer(hit(item, .text, matched: field?.text ?? item.name,
                              reason: "\(label) contains \(words.map { "\"\($0)\"" }.joined(separator: " and "))",
                              score: 300 + extra), order: order)
                }
            }
        }

        let kindRank: [SearchHit.Kind: Int] = [.pack: 0, .method: 1, .chain: 2]
        let sorted = best.values.sorted { a, b in
            if a.hit.score != b.hit.score { return a.hit.score > b.hit.score }
            if a.hit.kind != b.hit.kind { return kindRank[a.hit.kind]! < kindRank[b.hit.kind]! }
            return a.order < b.order
        }.map(\.hit)
        if let limit { return Array(sorted.prefix(max(0, limit))) }
        return sorted
    }

    private func hit(_ item: SearchItem, _ match: SearchHit.Match, matched: String, reason: String,
                     score: Int) -> SearchHit {
        SearchHit(kind: item.kind, name: item.name, pack: item.pack, title: item.title, match: match,
                  matched: matched, reason: reason, score: score)
    }

    /// A vocabulary term applies when the query holds it as whole words, or when a query of four or more
    /// characters is the beginning of the term ("open line" → "open lines").
    static func phrase(_ phrase: String, matchesTerm term: String) -> Bool {
        if (" " + phrase + " ").contains(" " + term + " ") { return true }
        return phrase.count >= 4 && term.hasPrefix(phrase)
    }
}

/// A searchable item with the texts that describe it.
struct SearchItem {
    let kind: SearchHit.Kind
    let name: String
    let pack: String
    let title: String
    let fields: [(label: String, text: String)]

    var haystack: String { ([name] + fields.map(\.text)).joined(separator: "\n").lowercased() }
}
