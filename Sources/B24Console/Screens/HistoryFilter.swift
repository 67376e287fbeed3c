import B24Client

/// The history filter line: plain words match anywhere in a call (method, profile, status, risk, error code);
/// `method:`, `status:`, `profile:`, `risk:` and `group:` (a chain run) match their own column; a leading `-`
/// excludes what matches.
/// Words and different columns must all match; several tokens of one column are alternatives
/// (`status:error status:unknown`). Matching ignores case.
///
/// `method:` and `profile:` match a part of the name (`method:lead` finds crm.lead.list); `status:` matches the
/// start of the status or of the error code (`status:err`, `status:QUERY_LIMIT`); `risk:` the start of the risk.
struct HistoryFilter: Equatable {
    /// The columns a token can name, in the order ``Index`` lays them out.
    enum Column: String, CaseIterable {
        case method, status, code, profile, risk, group

        /// The place in an ``Index`` row (a switch: `allCases` would allocate on every lookup).
        var position: Int {
            switch self {
            case .method: return 0
            case .status: return 1
            case .code: return 2
            case .profile: return 3
            case .risk: return 4
            case .group: return 5
            }
        }

        static let count = 6
    }

    struct Token: Equatable {
        /// Nil: a plain word, matched anywhere.
        var column: Column?
        var text: [UInt8]
        var excludes: Bool
    }

    private(set) var tokens: [Token] = []
    /// The columns with tokens that include (each needs one of them to match).
    private var included: [Column] = []

    init(_ line: String) {
        for part in line.lowercased().split(separator: " ") {
            var word = Substring(part)
            let excludes = word.hasPrefix("-") && word.count > 1
            if excludes { word = word.dropFirst() }
            var column: Column?
            if let colon = word.firstIndex(of: ":"), let named = Column(rawValue: String(word[..<colon])), named != .code {
                column = named
                word = word[word.index(after: colon)...]
            }
            // "status:" with nothing after it yet (being typed) asks nothing.
            guard !word.isEmpty else { continue }
            tokens.append(Token(column: column, text: Array(word.utf8), excludes: excludes))
            if let column, !excludes, !included.contains(column) { included.append(column) }
        }
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// The text of every call, lower-cased once when history is read, laid out in one byte buffer (method,
    /// status, error code, profile, risk, separated by spaces), so a keystroke over 20 000 calls scans
    /// contiguous bytes rather than 100 000 small strings.
    struct Index: Equatable {
        private var bytes: [UInt8] = []
        /// Per call: where each column starts, then where the call ends.
        private var bounds: [Int32] = []
        private static let stride = Column.count + 1

        init(_ entries: [HistoryEntry] = []) {
            bounds.reserveCapacity(entries.count * Self.stride)
            for entry in entries {
                for text in [entry.method, entry.status, entry.errorCode ?? "", entry.profile, entry.risk, entry.group ?? ""] {
                    bounds.append(Int32(bytes.count))
                    bytes += text.lowercased().utf8
                    bytes.append(0x20)
                }
                bounds.append(Int32(bytes.count))
            }
        }

        var count: Int { bounds.count / Self.stride }

        /// The indices of the calls that pass `filter`.
        func matching(_ filter: HistoryFilter) -> [Int] {
            bytes.withUnsafeBufferPointer { bytes in
                (0 ..< count).filter { filter.matches(call: $0, bytes: bytes, bounds: bounds) }
            }
        }
    }

    /// Whether call `call` of an ``Index`` passes: `bounds` hold where each of its columns starts.
    fileprivate func matches(call: Int, bytes: UnsafeBufferPointer<UInt8>, bounds: [Int32]) -> Bool {
        let columns = Column.count
        let base = call * (columns + 1)
        /// A column without its trailing space; nil: the whole call.
        func span(_ column: Column?) -> Range<Int> {
            guard let column else { return Int(bounds[base]) ..< Int(bounds[base + columns]) }
            let i = base + column.position
            return Int(bounds[i]) ..< Int(bounds[i + 1]) - 1
        }
        return matches { column, needle in
            switch column {
            case nil, .method?, .profile?, .code?, .group?: return Self.contains(bytes, span(column), needle)
            case .status?: return Self.starts(bytes, span(.status), needle) || Self.starts(bytes, span(.code), needle)
            case .risk?: return Self.starts(bytes, span(.risk), needle)
            }
        }
    }

    /// Excluding tokens and plain words must each hold; each column with including tokens needs one of them.
    private func matches(_ hit: (Column?, [UInt8]) -> Bool) -> Bool {
        for token in tokens where token.excludes || token.column == nil {
            if hit(token.column, token.text) == token.excludes { return false }
        }
        for column in included where !tokens.contains(where: { $0.column == column && !$0.excludes && hit(column, $0.text) }) {
            return false
        }
        return true
    }

    private static func starts(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ needle: [UInt8]) -> Bool {
        guard range.count >= needle.count else { return false }
        for j in 0 ..< needle.count where bytes[range.lowerBound + j] != needle[j] { return false }
        return true
    }

    /// Whether `needle` occurs in `bytes[range]` (short texts: a plain scan is fastest).
    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ needle: [UInt8]) -> Bool {
        guard range.count >= needle.count, let first = needle.first else { return needle.isEmpty }
        var i = range.lowerBound
        let last = range.upperBound - needle.count
        while i <= last {
            if bytes[i] == first {
                var j = 1
                while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// The filter line's help, for the `?` help.
    static let usage = "words, method:NAME, status:ok|error|CODE, profile:NAME, risk:write, group:RUN; -word excludes"
}
