import B24Catalog
import B24Wire
import Foundation

/// All pages of a list method, walked with `start`/`next` or with the fast `>ID` cursor.
public struct PagedOutcome: Sendable {
    /// Every item of every page, in order.
    public var items: [JSONValue] = []
    /// Pages fetched.
    public var pages = 0
    /// Items fetched (also counted when they were handed to an `onPage` observer instead of kept).
    public var rows = 0
    /// The portal's `total` from the first page (absent in fast mode).
    public var total: Int?
    /// One trace per page.
    public var traces: [CallTrace] = []
    /// Set when a page failed; the items before it are kept.
    public var error: B24Error?
    public var warnings: [String] = []
}

/// One fetched page, as a caller that shows progress hears it (the console's "fetch all pages").
public struct PageProgress: Sendable {
    /// This page's items (only this page's: the caller keeps them).
    public var items: [JSONValue]
    /// Pages fetched so far, this one included.
    public var pages: Int
    /// Items fetched so far, this page's included.
    public var rows: Int
    /// The portal's `total` from the first page (absent in fast mode and on REST 3.0).
    public var total: Int?
    /// Seconds since the walk began.
    public var elapsed: Double

    public init(items: [JSONValue], pages: Int, rows: Int, total: Int?, elapsed: Double) {
        self.items = items
        self.pages = pages
        self.rows = rows
        self.total = total
        self.elapsed = elapsed
    }
}

/// Hears every fetched page, on the task that walks the pages; it must return quickly.
public typealias PageObserver = @Sendable (PageProgress) -> Void

extension B24Client {
    /// Keys under which wrapped list methods put their items (`tasks.task.list` → `result.tasks`).
    static let wrappedListKeys = ["items", "tasks", "orders", "products", "workgroups", "events"]

    /// The list items of a page's `result`: the array itself, or the single known wrapper's array.
    public static func listItems(of result: JSONValue) -> (items: [JSONValue], wrapper: String?)? {
        if case .array(let items) = result { return (items, nil) }
        guard case .object(let object) = result else { return nil }
        for key in wrappedListKeys {
            if let items = object[key]?.arrayValue { return (items, key) }
        }
        return nil
    }

    /// Methods whose lists can be walked with `order[ID]=ASC`, `filter[>ID]=last` and `start=-1`.
    public static func supportsFastPaging(_ method: String) -> Bool {
        let name = method.lowercased()
        return (name.hasPrefix("crm.") && name.hasSuffix(".list")) || name == "user.get" || name == "tasks.task.list"
            || name == "crm.item.list"
    }

    /// Fetches every page of a list method. `fast` uses the `>ID` cursor with `start=-1` (no total counted),
    /// which the portal answers much faster on big lists. `observer` hears the events of every page's call in turn.
    /// With `onPage`, every page's items are handed over as they arrive and the outcome keeps neither items nor
    /// traces (its counts, total, error and warnings only): a caller that shows the rows holds them once.
    public func callAllPages(_ request: CallRequest, fast: Bool, maxPages: Int = 10_000,
                             observer: CallObserver? = nil, onPage: PageObserver? = nil) async -> PagedOutcome {
        var outcome = PagedOutcome()
        let walk = PageWalk(started: Date(), countsTotal: !fast && request.apiVersion == .v2, onPage: onPage)
        if request.apiVersion == .v3 {
            if fast {
                outcome.error = .usage("--fast is the REST v2 >ID cursor; REST 3.0 lists page with pagination (use --all-pages)")
                return outcome
            }
            return await callAllPagesV3(request, maxPages: maxPages, observer: observer, walk: walk)
        }
        if fast, !Self.supportsFastPaging(request.method) {
            outcome.error = .usage("--fast needs a list ordered by ID with a >ID filter; \(request.method) has none (use --all-pages)")
            return outcome
        }
        var params = request.params.objectValue ?? [:]
        if fast, let order = params[keyMatching("order", in: params)]?.objectValue,
           !order.isEmpty, !(order.count == 1 && order.keys.first?.lowercased() == "id"
                              && order.values.first?.stringValue?.uppercased() == "ASC")
        {
            outcome.error = .usage("--fast walks the list by ascending ID and cannot keep your 'order'; drop it or use --all-pages")
            return outcome
        }
        var lastID: Int64?
        // crm.item.* speaks camelCase (`id`, `>id`); the rest of the list methods use `ID`.
        let cursorField = request.method.lowercased() == "crm.item.list" ? "id" : "ID"
        if fast {
            params[keyMatching("order", in: params)] = .object([cursorField: "ASC"])
            params[keyMatching("start", in: params)] = .int(-1)
        }
        var start = params[keyMatching("start", in: params)]?.intValue ?? 0
        while outcome.pages < maxPages {
            var page = request
            if fast, let lastID {
                var filter = params[keyMatching("filter", in: params)]?.objectValue ?? [:]
                filter[">" + cursorField] = .int(lastID)
                params[keyMatching("filter", in: params)] = .object(filter)
            }
            page.params = .object(params)
            guard let (envelope, items) = await fetchPage(page, into: &outcome, observer: observer, walk: walk) else { return outcome }
            if fast {
                guard items.count >= 50 else { return outcome }
                guard let last = items.last.flatMap({ $0[cursorField]?.intValue ?? $0["ID"]?.intValue ?? $0["id"]?.intValue }) else {
                    outcome.error = .decoding("\(request.method) items carry no numeric \(cursorField); the fast cursor cannot continue (use --all-pages)")
                    return outcome
                }
                // A cursor that does not move would fetch the same page forever.
                guard lastID.map({ last > $0 }) ?? true else {
                    outcome.error = .decoding("the >\(cursorField) cursor did not advance past \(last); stopping instead of looping")
                    return outcome
                }
                lastID = last
            } else {
                guard let next = envelope["next"]?.intValue else { return outcome }
                guard next > start else {
                    outcome.error = .decoding("the portal's next page (\(next)) does not move past start \(start); stopping instead of looping")
                    return outcome
                }
                start = next
                params[keyMatching("start", in: params)] = .int(next)
            }
        }
        outcome.warnings.append("stopped after \(maxPages) pages; more items remain")
        return outcome
    }

    /// REST 3.0 lists have no `total`/`next`: pages are `pagination.page` 1, 2, … until one comes back short.
    private func callAllPagesV3(_ request: CallRequest, maxPages: Int, observer: CallObserver?, walk: PageWalk) async -> PagedOutcome {
        var outcome = PagedOutcome()
        var params = request.params.objectValue ?? [:]
        var pagination = params["pagination"]?.objectValue ?? [:]
        let limit = Int(pagination["limit"]?.intValue ?? 50)
        var page = pagination["page"]?.intValue ?? 1
        pagination["limit"] = .int(Int64(limit))
        while outcome.pages < maxPages {
            pagination["page"] = .int(page)
            params["pagination"] = .object(pagination)
            var call = request
            call.params = .object(params)
            guard let (_, items) = await fetchPage(call, into: &outcome, observer: observer, walk: walk) else { return outcome }
            guard items.count >= limit, limit > 0 else { return outcome }
            page += 1
        }
        outcome.warnings.append("stopped after \(maxPages) pages; more items remain")
        return outcome
    }

    /// What stays the same over one walk of the pages.
    private struct PageWalk {
        var started: Date
        /// Start/next paging counts a `total` on the first page (the fast cursor and REST 3.0 do not).
        var countsTotal: Bool
        var onPage: PageObserver?
    }

    /// Calls one page and adds its trace and items to `outcome` (or hands them to `walk.onPage`); nil (with
    /// `outcome.error` set) when the call failed or did not answer with a list.
    private func fetchPage(_ page: CallRequest, into outcome: inout PagedOutcome, observer: CallObserver?,
                           walk: PageWalk) async -> (JSONValue, [JSONValue])? {
        let result = await call(page, observer: observer)
        if walk.onPage == nil { outcome.traces.append(result.trace) }
        outcome.warnings += result.warnings
        switch result.result {
        case .failure(let error):
            outcome.error = error
            return nil
        case .success(let envelope):
            outcome.pages += 1
            guard let (items, _) = envelope["result"].flatMap(Self.listItems) else {
                // On the first page the method simply is not a list (a usage mistake); later it is a bad answer.
                outcome.error = outcome.pages == 1
                    ? .usage("\(page.method) does not return a list, so it has no pages; call it without --all-pages")
                    : .decoding("\(page.method) page \(outcome.pages) did not return a list; it cannot be paged")
                return nil
            }
            if outcome.pages == 1, walk.countsTotal { outcome.total = envelope["total"]?.intValue.map(Int.init) }
            outcome.rows += items.count
            if let onPage = walk.onPage {
                onPage(PageProgress(items: items, pages: outcome.pages, rows: outcome.rows, total: outcome.total,
                                    elapsed: Date().timeIntervalSince(walk.started)))
            } else {
                outcome.items += items
            }
            return (envelope, items)
        }
    }

    /// The existing key spelled in any case (`FILTER`, `filter`), else the lowercase name.
    private func keyMatching(_ name: String, in params: JSONObject) -> String {
        params.keys.first(where: { $0.lowercased() == name }) ?? name
    }
}
