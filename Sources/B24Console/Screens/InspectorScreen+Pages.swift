import B24Client
import B24Wire
import TerminalKit

/// "Fetch all pages" of a list answer: its progress, and every row it brought.
struct PageFetch: Equatable, Sendable {
    enum State: Equatable, Sendable {
        case running, done, cancelled
        case failed(String)
    }

    var state: State = .running
    /// Every row so far: the answer's own page first, then each fetched page's.
    var rows: [JSONValue]
    /// Where the rows sit in `result` when the method wraps its list (`tasks.task.list` → `result.tasks`).
    var wrapper: String?
    /// Pages so far, the answer's own included.
    var pages = 1
    /// The portal's count of all rows (from the first page).
    var total: Int?
    /// Where the next walk starts (the answer's `next`, moved on by every fetched row).
    var nextStart: Int
    /// Pages and rows before the running walk (the answer's own, and what a cancelled walk brought).
    var pagesBefore = 1
    /// Rows per second of the running walk.
    var rate: Double?
    /// Pages that arrived since the tree last showed the rows (a big list is redrawn every few pages).
    var pagesSinceShown = 0
    var warnings: [String] = []

    /// "600 of 1000 rows · 12 pages · 350 rows/s".
    var summary: String {
        var parts = [total.map { "\(rows.count) of \($0) rows" } ?? counted(rows.count, "row"), counted(pages, "page")]
        if let rate { parts.append("\(Int(rate.rounded())) rows/s") }
        return parts.joined(separator: " · ")
    }
}

extension InspectorScreen {
    var fetchName: String { "pages#\(fetches)" }

    /// Trees of at most this many rows show every page as it arrives; bigger ones every ``showEvery`` pages (and
    /// at the end), so drawing keeps up with a fast portal.
    static let showEachPageRows = 20_000
    static let showEvery = 10

    /// `a`: every remaining page of this list call, from the answer's `next` on (a cancelled fetch resumes).
    mutating func fetchAllPages(_ app: ConsoleState) -> KeyResult {
        func refuse(_ text: String) -> KeyResult { .handled([.status(StatusMessage(text, kind: .warning))]) }
        if let fetch {
            switch fetch.state {
            case .running: return refuse("already fetching every page: x cancels")
            case .done: return refuse("every page is here already: \(fetch.summary)")
            case .cancelled, .failed: break
            }
        }
        if outcome == nil, !method.isEmpty { return refuse("the call is still running: a fetches every page once its answer is here") }
        guard let envelope = outcome?.envelope, let list = envelope["result"].flatMap(B24Client.listItems) else {
            return refuse("fetch all pages works on the answer of a list call (a …list method)")
        }
        guard let next = envelope["next"]?.intValue else { return refuse("this answer is the only page: nothing more to fetch") }
        guard storedID == nil, apiVersion == .v2, case .object(var object) = params else {
            return refuse("fetch all pages works on a call sent from here (REST v2); F5 first replays this one")
        }
        var resumed = fetch ?? PageFetch(rows: list.items, wrapper: list.wrapper, total: envelope["total"]?.intValue.map(Int.init),
                                         nextStart: Int(next))
        resumed.state = .running
        resumed.pagesBefore = resumed.pages
        resumed.rate = nil
        fetch = resumed
        fetches += 1
        object[object.keys.first { $0.lowercased() == "start" } ?? "start"] = .int(Int64(resumed.nextStart))
        let request = CallRequest(method: method, params: .object(object), apiVersion: apiVersion)
        return .handled([.stream(.mine(fetchName), .allPages(request)),
                         .status(StatusMessage("fetching every page of \(method): x or Esc cancels, the rows so far stay"))])
    }

    /// A page, or the end of the walk.
    mutating func fetchUpdate(_ answer: Answer) -> [Effect] {
        guard var fetch, fetch.state == .running else { return [] }
        switch answer {
        case .streamed(.page(let page)):
            fetch.rows += page.items
            fetch.pages = fetch.pagesBefore + page.pages
            fetch.nextStart += page.items.count
            fetch.total = fetch.total ?? page.total
            fetch.rate = page.elapsed > 0 ? Double(page.rows) / page.elapsed : nil
            fetch.pagesSinceShown += 1
            self.fetch = fetch
            if fetch.rows.count <= Self.showEachPageRows || fetch.pagesSinceShown >= Self.showEvery { showFetchedRows() }
            return []
        case .streamed(.pagingFinished(let error, let warnings)):
            fetch.warnings = warnings
            fetch.state = error.map { .failed($0) } ?? .done
            self.fetch = fetch
            showFetchedRows()
            if let error {
                return [.status(StatusMessage("fetching stopped at page \(fetch.pages + 1): \(error); the \(counted(fetch.rows.count, "row")) so far stay, a tries again",
                                              kind: .error))]
            }
            return [.status(StatusMessage("all pages fetched: \(fetch.summary)" + (warnings.isEmpty ? "" : "; " + warnings.joined(separator: "; "))))]
        case .ended(let failure):
            // The walk ended without saying how (e.g. the connection went away).
            fetch.state = failure.map { .failed($0) } ?? .done
            self.fetch = fetch
            showFetchedRows()
            return failure.map { [.status(StatusMessage("fetching stopped: \($0)", kind: .error))] } ?? []
        case .streamed(.callEvent), .streamed(.searchFound), .streamed(.clock), .streamed(.finding), .streamed(.diagnosed),
             .streamed(.reviewed), .streamed(.applied), .streamed(.planSaved), .streamed(.tail), .streamed(.tailTick),
             .streamed(.deadLetters), .call, .loaded, .edited:
            return []
        }
    }

    /// `x` or Esc while fetching: stop at once; the rows so far stay (`a` resumes).
    mutating func cancelFetch(saying: Bool) -> KeyResult {
        guard fetch?.state == .running, let fetch else {
            return .handled(saying ? [.status(StatusMessage("nothing running to cancel", kind: .warning))] : [])
        }
        let effects = stopFetch()
        return .handled(effects + [.status(StatusMessage("fetch cancelled: \(fetch.summary); the rows so far stay, a fetches the rest",
                                                         kind: .warning))])
    }

    /// Stops a running fetch (cancelled, the rows so far shown) and returns the effect that stops its work.
    mutating func stopFetch() -> [Effect] {
        guard fetch?.state == .running else { return [] }
        fetch?.state = .cancelled
        showFetchedRows()
        return [.cancel(.mine(fetchName))]
    }

    /// The tree shows every fetched row; folds, the cursor and a filter stay (rows only ever add at the end).
    mutating func showFetchedRows() {
        guard var fetch else { return }
        fetch.pagesSinceShown = 0
        self.fetch = fetch
        let rows = JSONValue.array(fetch.rows)
        tree = tree.replacingRoot(fetch.wrapper.map { .object([$0: rows]) } ?? rows)
        if raw != nil { raw = showsRaw ? RawJSON(rawViewValue) : nil }
        if let pattern = filter?.applied {
            filter?.found = JSONSearch.matches(in: tree.root, rootName: tree.rootName, pattern: pattern)
        }
        if let searched = search?.searched, searchesLive { search?.found = JSONSearch.hits(in: tree.root, query: searched) }
        nav.cursor.select(nav.cursor.selected, count: bodyCount)
    }

    /// The fetch's fact line: a bar (when the total is known) as wide as the line leaves room for, the counts,
    /// and what is going on.
    func fetchFact(width: Int) -> [Span]? {
        guard let fetch else { return nil }
        let state: Span
        switch fetch.state {
        case .running: state = Span("  fetching… x cancels", .warning)
        case .done: state = Span("  all fetched", .success)
        case .cancelled: state = Span("  cancelled · a resumes", .warning)
        case .failed(let error): state = Span("  stopped: \(error)", .error)
        }
        let summary = Span(fetch.summary)
        guard let total = fetch.total, total > 0 else { return [summary, state] }
        // The value column starts after the 9-column label and a space.
        let room = width - 10 - displayWidth(summary.text) - displayWidth(state.text) - 1
        let bar = ProgressBar(fraction: Double(fetch.rows.count) / Double(total), width: min(20, max(5, room)))
        return [Span(bar.text + " ", fetch.state == .running ? .info : .muted), summary, state]
    }
}
