import B24Client
import B24Wire
import TerminalKit

/// A search in the response: the text typed, whether it is still being typed, and the hits (member names and
/// values that contain it, inside folded containers too).
struct TreeSearch: Equatable, Sendable {
    var query: EditableText
    var editing = true
    var found = JSONSearch.Found()
    /// The text `found` is for (nil: not searched yet; a big answer is searched on Enter, not on every key).
    var searched: String?
    /// A big answer is being searched for this text, off the key loop.
    var pending: String?
}

/// A path filter: the pattern typed (`result.*.TITLE`) and the values at the paths it matches.
struct PathFilter: Equatable, Sendable {
    var pattern: EditableText
    var editing = true
    var found = JSONSearch.Found()
    /// The pattern `found` is for (nil: nothing applied, the tree shows).
    var applied: String?
}

/// Search and path filter: `/` opens the search line (hits are highlighted as you type; Enter goes to the first
/// hit from the cursor, unfolding what hides it; `n`/`N` go to the next and previous hit); `f` opens the filter
/// line (only the values at matching paths are listed, with their full paths; Enter on one shows it in the tree).
/// Esc clears either. Search and filter exclude each other.
extension InspectorScreen {
    /// A search typed into an answer with more visible lines than this waits for Enter instead of running on
    /// every key (a big answer takes a noticeable moment to search).
    static let liveSearchLines = 50_000
    /// Nor does one whose previous search looked at more nodes than this.
    static let liveSearchNodes = 200_000

    /// While the search or filter line is open, printable keys type into it (`q`, `:` and `?` are text).
    var takesText: Bool { search?.editing == true || filter?.editing == true }

    mutating func startSearch() -> KeyResult {
        filter = nil
        leaveRawView()
        search = TreeSearch(query: EditableText(search?.query.text ?? ""), found: search?.found ?? .init(), searched: search?.searched)
        return .handled([])
    }

    mutating func startFilter() -> KeyResult {
        search = nil
        leaveRawView()
        filter = PathFilter(pattern: EditableText(filter?.pattern.text ?? ""), found: filter?.found ?? .init(),
                            applied: filter?.applied)
        return .handled([])
    }

    private mutating func leaveRawView() {
        guard showsRaw else { return }
        showsRaw = false
        nav = PaneNavigator(paneCount: 1)
    }

    /// A key while the search or filter line takes text: Enter confirms, Esc clears, ↑↓ still move, the rest edits.
    mutating func typed(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        switch key.key {
        case .enter: return search != nil ? confirmSearch() : confirmFilter()
        case .escape: return search != nil ? clearSearch() : clearFilter()
        case .up, .down, .pageUp, .pageDown: return scroll(action, app)
        default:
            if key == .ctrl("c") { return .ignored }  // quits, as everywhere
            var text = search?.query ?? filter?.pattern ?? EditableText()
            if key.key == .backspace, text.isEmpty { return search != nil ? clearSearch() : clearFilter() }
            // Function keys (F1 help, F5) still work; other keys that edit nothing do nothing while typing.
            guard text.handle(key) else { if case .function = key.key { return .ignored } else { return .handled([]) } }
            if search != nil {
                search?.query = text
                if searchesLive { runSearch() }
            } else {
                filter?.pattern = text
                runFilter()
            }
            return .handled([])
        }
    }

    /// True when hits follow the typing (a small answer); else Enter searches.
    var searchesLive: Bool { tree.index.count < Self.liveSearchLines && (search?.found.visited ?? 0) < Self.liveSearchNodes }

    private mutating func runSearch() {
        guard let text = search?.query.text else { return }
        search?.found = text.isEmpty ? .init() : JSONSearch.hits(in: tree.root, query: text)
        search?.searched = text.isEmpty ? nil : text
    }

    var searchName: String { "search#\(searches)" }

    private mutating func confirmSearch() -> KeyResult {
        guard let text = search?.query.text, !text.isEmpty else { return clearSearch() }
        search?.editing = false
        if search?.searched != text {
            guard searchesLive else {
                // A big answer is searched off the key loop; the cursor goes to the first hit when it is done.
                searches += 1
                search?.pending = text
                return .handled([.stream(.mine(searchName), .searchResponse(tree.root, query: text)),
                                 .status(StatusMessage("searching the response for \"\(text)\"…"))])
            }
            runSearch()
        }
        return goToFirstHit()
    }

    /// The hits of a search run off the key loop: the cursor goes to the first, as Enter does on a small answer.
    mutating func searchUpdate(_ answer: Answer) -> [Effect] {
        guard case .streamed(.searchFound(let query, let found)) = answer, search?.pending == query else { return [] }
        search?.pending = nil
        search?.found = found
        search?.searched = query
        guard search?.editing == false, search?.query.text == query, case .handled(let effects) = goToFirstHit() else { return [] }
        return effects
    }

    private mutating func goToFirstHit() -> KeyResult {
        guard let text = search?.query.text else { return .handled([]) }
        guard let hits = search?.found.nodes, !hits.isEmpty else {
            return .handled([.status(StatusMessage("no hits for \"\(text)\" in names or values", kind: .warning))])
        }
        // The first hit at or after the cursor, so a search continues from where one reads.
        let here = selectedNode ?? .root
        return land(on: hits.partitioningIndex { $0 >= here } % hits.count, wrapped: false)
    }

    /// `n` (+1) or `N` (-1): the next or previous hit from the cursor, round the end.
    mutating func jumpToHit(by step: Int) -> KeyResult {
        if let pending = search?.pending { return .handled([.status(StatusMessage("still searching for \"\(pending)\"…"))]) }
        guard let search, search.searched != nil, !search.editing else {
            return .handled([.status(StatusMessage("no search: / searches in the response, then n and N go from hit to hit", kind: .warning))])
        }
        let hits = search.found.nodes
        guard !hits.isEmpty else {
            return .handled([.status(StatusMessage("no hits for \"\(search.query.text)\"", kind: .warning))])
        }
        let here = body == .tree ? (selectedNode ?? .root) : .root
        if step > 0 {
            let next = hits.partitioningIndex { $0 > here }
            return land(on: next % hits.count, wrapped: next == hits.count)
        }
        let previous = hits.partitioningIndex { $0 >= here } - 1
        return land(on: (previous + hits.count) % hits.count, wrapped: previous < 0)
    }

    /// Puts the cursor on hit `number`, unfolding the containers around it.
    private mutating func land(on number: Int, wrapped: Bool) -> KeyResult {
        guard let search else { return .handled([]) }
        let node = search.found.nodes[number]
        showsRaw = false
        focus(on: node)
        let total = "\(search.found.nodes.count)\(search.found.truncated ? "+" : "")"
        let around = wrapped ? (number == 0 ? " (from the top again)" : " (from the bottom again)") : ""
        return .handled([.status(StatusMessage("hit \(number + 1) of \(total): \(tree.root.dottedPath(node, rootName: tree.rootName))\(around)"))])
    }

    mutating func clearSearch() -> KeyResult {
        let running = search?.pending != nil
        search = nil
        return .handled((running ? [.cancel(.mine(searchName))] : []) + [.status(nil)])
    }

    private mutating func runFilter() {
        guard let text = filter?.pattern.text.trimmingCharacters(in: .whitespaces) else { return }
        filter?.found = text.isEmpty ? .init() : JSONSearch.matches(in: tree.root, rootName: tree.rootName, pattern: text)
        filter?.applied = text.isEmpty ? nil : text
        nav = PaneNavigator(paneCount: 1)
    }

    private mutating func confirmFilter() -> KeyResult {
        guard let pattern = filter?.pattern.text.trimmingCharacters(in: .whitespaces), !pattern.isEmpty else { return clearFilter() }
        if filter?.applied != pattern { runFilter() }
        filter?.editing = false
        let count = filter?.found.nodes.count ?? 0
        guard count > 0 else {
            return .handled([.status(StatusMessage("nothing at \(pattern) (* stands for any one name or item number)", kind: .warning))])
        }
        return .handled([.status(StatusMessage("\(counted(count, "value"))\(filter?.found.truncated == true ? "+" : "") at \(pattern); Enter shows one in the tree, Esc clears"))])
    }

    mutating func clearFilter() -> KeyResult {
        let shown = filter?.applied != nil ? selectedNode : nil
        filter = nil
        nav = PaneNavigator(paneCount: 1)
        if let shown { focus(on: shown) }
        return .handled([.status(nil)])
    }

    /// Enter on a filtered value: the tree, with the cursor on it.
    mutating func showInTree(_ node: JSONNodePath) -> KeyResult {
        filter = nil
        nav = PaneNavigator(paneCount: 1)
        focus(on: node)
        return .handled([.status(StatusMessage(tree.root.dottedPath(node, rootName: tree.rootName)))])
    }

    /// The cursor on `node` in the tree (unfolded to it), a few lines below the top so what leads to it shows.
    private mutating func focus(on node: JSONNodePath) {
        guard let line = tree.reveal(node) else { return }
        nav.cursor.select(line, count: tree.index.count)
        nav.cursor.offset = max(0, line - 4)
    }

    /// A tree line as drawn: hits in the warning colour, a folded container that hides hits says how many.
    func treeRow(_ position: Int) -> ListRow {
        let line = tree.line(position)
        var row = JSONTree.row(line)
        guard let hits = search?.found.nodes, search?.searched != nil, !hits.isEmpty else { return row }
        let first = hits.partitioningIndex { $0 >= line.node }
        if first < hits.count, hits[first] == line.node {
            row.spans[1].role = .warning
            if !line.isContainer { row.spans[3].role = .warning }
        }
        if line.isContainer, !line.isOpen {
            // Hits inside sort right after the container and before whatever follows it.
            let end = hits.partitioningIndex { !($0 <= line.node || $0.isInside(line.node)) }
            let inside = end - first - (first < hits.count && hits[first] == line.node ? 1 : 0)
            if inside > 0 { row.spans.append(Span("  (\(counted(inside, "hit")) inside)", .warning)) }
        }
        return row
    }

    /// A filtered value: its full path, then the value (or a container's size).
    func filteredRow(_ position: Int) -> ListRow {
        guard let node = filter?.found.nodes[position], let value = tree.root.node(at: node) else { return ListRow([]) }
        let (summary, role) = JSONTree.summary(of: value)
        return ListRow([Span(tree.root.dottedPath(node, rootName: tree.rootName), .primary), Span(": ", .muted), Span(summary, role)])
    }

    /// The search or filter line's note: hit count and the keys that go on from here.
    var toolNote: String {
        if let search {
            if search.pending != nil { return "searching…" }
            guard let searched = search.searched, searched == search.query.text else {
                return search.query.isEmpty ? "Enter searches, Esc closes" : "Enter searches"
            }
            let count = search.found.nodes.count
            if count == 0 { return "no hits" }
            return "\(counted(count, "hit"))\(search.found.truncated ? "+" : "")" + (search.editing ? " · Enter goes to the first" : " · n next, N previous")
        }
        if let filter {
            guard filter.applied != nil else { return "e.g. result.*.TITLE · * is any one key or index" }
            return "\(counted(filter.found.nodes.count, "value"))\(filter.found.truncated ? "+" : "")" + (filter.editing ? " · Enter keeps it" : " · Esc clears")
        }
        return ""
    }
}

extension RandomAccessCollection where Index == Int {
    /// The first index whose element satisfies `belongs`, for a predicate false up to some point and true after
    /// it (binary search); `endIndex` when none does.
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = startIndex, high = endIndex
        while low < high {
            let mid = (low + high) / 2
            if belongs(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
