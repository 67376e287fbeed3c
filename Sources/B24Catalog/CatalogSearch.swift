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
    /// best match. `discovered` adds methods the portal reported that no pack lists (pack "other"), found
    /// by name and by vocabulary prefix.
    public func search(_ query: String, limit: Int? = nil, discovered: [String] = []) -> [SearchHit] {
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
        func bonus(_ item: SearchItem) -> Int {
            words.filter { word in item.texts.contains { Self.text($0, hasWord: word) } }.count * 10
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
        for name in discovered where entry(for: name) == nil {
            items.append(SearchItem(kind: .method, name: name, pack: "other", title: "discovered on the portal (no pack lists it)",
                                    fields: []))
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
            let extra = bonus(item)
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
            if words.allSatisfy({ word in item.texts.contains { Self.text($0, hasWord: word) } }) {
                if words.allSatisfy({ Self.text(item.name, hasWord: $0) }) {
                    offer(hit(item, .text, matched: item.name, reason: "name contains \"\(phrase)\"", score: 400 + extra),
                          order: order)
                } else {
                    // explain with the field that holds the most query words
                    let scored = item.fields.map { f in (f, words.filter { Self.text(f.text, hasWord: $0) }) }
                    let top = scored.max { $0.1.count < $1.1.count }
                    let found = top?.1 ?? words
                    var reason = "\(top?.0.label ?? "text") contains " + found.map { "\"\($0)\"" }.joined(separator: " and ")
                    if found.count < words.count { reason += " (other words elsewhere)" }
                    offer(hit(item, .text, matched: top?.0.text ?? item.name, reason: reason, score: 300 + extra),
                          order: order)
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

    /// Whether `word` occurs in `text` at the start of a word, ignoring case. Word starts are the beginning,
    /// any position after a character that is not a letter or digit, and camelCase humps (`deleteTask`).
    /// A word of four or more letters ending in "s" also matches its singular ("events" → "event").
    static func text(_ text: String, hasWord word: String) -> Bool {
        if occurs(word, atWordStartIn: text) { return true }
        return word.count >= 4 && word.hasSuffix("s") && occurs(String(word.dropLast()), atWordStartIn: text)
    }

    private static func occurs(_ word: String, atWordStartIn text: String) -> Bool {
        func lower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
            let mapped = scalar.properties.lowercaseMapping.unicodeScalars
            return mapped.count == 1 ? mapped.first! : scalar
        }
        func isWordChar(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        let original = Array(text.unicodeScalars)
        let needle = word.unicodeScalars.map(lower)
        guard !needle.isEmpty, needle.count <= original.count else { return false }
        let hay = original.map(lower)
        for start in 0...(hay.count - needle.count) {
            if start > 0 {
                let before = original[start - 1], here = original[start]
                let hump = before.properties.isLowercase && here.properties.isUppercase
                guard !isWordChar(before) || hump else { continue }
            }
            if hay[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
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

    /// Name first, then the other texts.
    var texts: [String] { [name] + fields.map(\.text) }
}
