import B24Wire

/// A method-name pattern: an exact name (`batch`) or a glob where `*` stands for any run of characters
/// (`crm.*`, `*.delete`, `tasks.*.list`). Matching ignores case.
public struct MethodPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern in lower case.
    public let text: String

    public init(_ text: String) {
        self.text = text.trimmingWhitespace.lowercased()
    }

    /// True when `text` has no wildcard.
    public var isExact: Bool { !text.contains("*") }

    public var description: String { text }

    /// Whether the method name matches the pattern.
    public func matches(_ method: String) -> Bool {
        let name = Array(MethodName.canonical(method).lowercased().utf8)
        let pattern = Array(text.utf8)
        let star = UInt8(ascii: "*")
        var n = 0, p = 0
        var starAt = -1, resumeAt = 0
        while n < name.count {
            if p < pattern.count, pattern[p] != star, pattern[p] == name[n] {
                n += 1; p += 1
            } else if p < pattern.count, pattern[p] == star {
                starAt = p; resumeAt = n; p += 1
            } else if starAt >= 0 {
                p = starAt + 1; resumeAt += 1; n = resumeAt
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}

/// Which methods a profile may call: the allow patterns of its packs plus an optional explicit allowlist.
///
/// The special pack name `none` selects no pack (use it with an explicit allowlist). The default pack is not
/// added implicitly: callers that want `core` plus others pass both.
public struct AllowPolicy: Sendable, Equatable {
    /// Canonical names of the selected packs, in the order given, without repeats.
    public let packNames: [String]
    /// Every pattern in force: the packs' patterns, then the extra ones.
    public let patterns: [MethodPattern]
    /// When true every method passes (the allowlist is switched off; risk confirmations still apply elsewhere).
    public let allowUnlisted: Bool

    /// Builds a policy.
    /// - Parameters:
    ///   - packs: pack names (case-insensitive); `none` contributes nothing.
    ///   - extraPatterns: more allowed methods or globs, e.g. `["user.*", "im.message.add"]`.
    ///   - allowUnlisted: let every method through.
    /// - Throws: ``CatalogError/unknownPack(name:valid:)`` listing the valid names, or
    ///   ``CatalogError/invalidPattern(_:)``.
    public init(packs: [String], extraPatterns: [String] = [], allowUnlisted: Bool = false,
                catalog: Catalog = .bundled) throws {
        var names: [String] = []
        var patterns: [MethodPattern] = []
        for raw in packs {
            let name = raw.trimmingWhitespace
            if name.isEmpty || name.lowercased() == "none" { continue }
            guard let pack = catalog.pack(named: name) else {
                throw CatalogError.unknownPack(name: name, valid: catalog.packNames + ["none"])
            }
            guard !names.contains(pack.name) else { continue }
            names.append(pack.name)
            patterns += pack.allow.map(MethodPattern.init)
        }
        for raw in extraPatterns {
            let text = raw.trimmingWhitespace
            if text.isEmpty { continue }
            // Method names are dotted words; a pattern adds only `*`.
            guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._*".contains($0)) }) else {
                throw CatalogError.invalidPattern(raw)
            }
            patterns.append(MethodPattern(text))
        }
        var seen = Set<MethodPattern>()
        self.packNames = names
        self.patterns = patterns.filter { seen.insert($0).inserted }
        self.allowUnlisted = allowUnlisted
    }

    /// Builds a policy from comma-separated lists, as in `B24_PACKS=core,comms` and `--allow user.*,im.*`.
    public init(packList: String, allowList: String = "", allowUnlisted: Bool = false,
                catalog: Catalog = .bundled) throws {
        try self.init(packs: Self.split(packList), extraPatterns: Self.split(allowList),
                      allowUnlisted: allowUnlisted, catalog: catalog)
    }

    /// Splits a comma- or space-separated list into trimmed, non-empty items.
    public static func split(_ list: String) -> [String] {
        list.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    /// Whether the method may be called.
    public func allows(_ method: String) -> Bool {
        allowUnlisted || matchingPattern(for: method) != nil
    }

    /// The first pattern that admits the method, if any (useful to explain a decision).
    public func matchingPattern(for method: String) -> MethodPattern? {
        patterns.first { $0.matches(method) }
    }
}
