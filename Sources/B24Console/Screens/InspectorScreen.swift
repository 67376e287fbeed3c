import B24Catalog
import B24Client
import Foundation
import B24Wire
import TerminalKit

/// A call sent from the console (`:call METHOD {JSON}`), watched while it runs and inspected when it is done, or a
/// call from history: a header (status, duration, attempts, operating time, total/next) and the result as a tree
/// that folds, or the raw JSON. F5 sends the same call again (from history: a replay, through every guardrail, as a
/// new call). Calls go through B24Client's guardrails like `b24 call`, and are kept in history. The tree can be
/// searched and filtered by path (`InspectorScreen+Search.swift`), and a list's pages fetched into one tree
/// (`InspectorScreen+Pages.swift`). Every view is drawn lazily: a frame costs the lines on screen, whatever the
/// answer's size.
struct InspectorScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    private(set) var method: String
    private(set) var params: JSONValue
    private(set) var apiVersion: APIVersion = .v2
    /// Set when the screen shows a call from history (until it is sent again).
    private(set) var storedID: String?
    /// Set when the call came from a form (a read: writes go through their review).
    private(set) var draft: CallDraft?
    /// The profile a call from history was made on: it is replayed there only.
    private(set) var recordedProfile: String?
    private(set) var recordedAt: Date?
    /// What the call has done so far, as the client reported it.
    private(set) var events: [CallEvent] = []
    /// The running call folded into a trace as its events arrive (the live step view).
    var live: TraceBuilder?
    /// The finished call's trace (sent from here, or read from history): the step view after the fact.
    var finishedTrace: CallTrace?
    /// True while the body shows the call's steps instead of its result.
    var showsSteps = false
    /// The time of the latest clock beat, while a wait counts down.
    var now: Date?
    /// True while a clock stream beats for the countdown.
    var clockRuns = false
    /// The terminal's width at the last key (the step view's lines wrap to it).
    var viewWidth = 80
    var outcome: Outcome?
    var tree: JSONTree
    /// The raw view's line index (pretty JSON), made when the raw view is first asked for.
    var raw: RawJSON?
    var showsRaw = false
    /// A search in the response (its line, its hits).
    var search: TreeSearch?
    /// A path filter (`result.*.TITLE`): only the values at matching paths are listed.
    var filter: PathFilter?
    /// "Fetch all pages": its progress, then the rows it brought.
    var fetch: PageFetch?
    /// Counts sends: each send is its own effect, so a late answer of an earlier one is told apart.
    private var sends = 0
    /// True while the status line asks whether to copy the cURL command with the real secret (y/N).
    var asksSecretCopy = false
    /// Counts fetches of all pages, for the same reason.
    var fetches = 0
    /// Counts searches run off the key loop (big answers), for the same reason.
    var searches = 0

    /// How the call ended, as far as the screen needs it.
    struct Outcome: Equatable, Sendable {
        /// The request as sent, secrets masked (what a copied cURL command is made of).
        var request: CallTrace.RequestRecord?
        var envelope: JSONValue?
        var error: String?
        var status: String
        var duration: Double
        var attempts: Int
        var waited: Double
    }

    /// The largest text the copy keys send to the terminal (tmux drops longer OSC 52 sequences).
    static let copyLimit = 512 * 1024

    init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
        tree = JSONTree(params, rootName: "params")
    }

    /// A call sent from a form.
    init(draft: CallDraft) {
        self.init(method: draft.method, params: draft.params)
        apiVersion = draft.apiVersion
        self.draft = draft
    }

    /// A call from history, read when the screen opens.
    init(storedID: String) {
        self.init(method: "", params: .emptyObject)
        self.storedID = storedID
    }

    var route: Route { storedID.map { .storedCall($0) } ?? draft.map { .send($0) } ?? .call(method: method, params: params) }

    var callName: String { "call#\(sends)" }

    /// None: the body is one list drawn lazily by `render` (``bodyCount`` lines), not rows held in a pane.
    func panes(_ app: ConsoleState) -> [Pane] { [] }

    mutating func opened(_ app: ConsoleState) -> [Effect] {
        guard let storedID else { return send(app) }
        return [.load(.mine("trace"), .trace(storedID))]
    }

    mutating func refresh(_ app: ConsoleState) -> [Effect] { send(app) }

    /// A call is never sent again by itself (another portal, a write): F5 does it when the user asks. One still
    /// running was cancelled with the old connection, and says so.
    mutating func reconnected(_ app: ConsoleState) -> [Effect] {
        if let storedID, method.isEmpty { return [.load(.mine("trace"), .trace(storedID))] }
        clockRuns = false  // its stream went with the old connection
        if outcome == nil, !method.isEmpty {
            if var trace = live?.trace {  // the steps so far stay readable
                trace.error = CallTrace.TraceError(.cancelled(method: method), redactor: Redactor())
                finishedTrace = trace
            }
            live = nil
            outcome = Outcome(request: nil, envelope: nil, error: "cancelled: the connection changed while the call ran; F5 sends it on the new one",
                              status: "cancelled", duration: 0, attempts: 0, waited: 0)
        }
        _ = stopFetch()  // its work was cancelled with the old connection; the rows so far stay
        return []
    }

    private mutating func send(_ app: ConsoleState) -> [Effect] {
        guard !method.isEmpty else { return [] }  // a call from history that has not been read yet
        if let recordedProfile, let connected = app.connection?.profile, recordedProfile != connected {
            return [.status(StatusMessage("this call was made on profile \(recordedProfile); switch to it (:profile \(recordedProfile)) to replay it",
                                          kind: .warning))]
        }
        if JSONWriter.compact(params).contains("****") {
            return [.status(StatusMessage("the recorded parameters hold masked secrets (****); a replay would send the mask", kind: .warning))]
        }
        // The inspector never writes: a write goes out only through its review (the diff, then Apply), so sending
        // one again (F5, a replay from history) opens the form with its review, and this answer stays as it is.
        if Guardrails.risk(of: method, params: params, catalog: app.catalog).mayChangeData {
            return [.run(.open(.form(FormSeed(method: method, params: params, apiVersion: apiVersion, review: true)))),
                    .status(StatusMessage("a write is sent again only through its review: Tab, then Enter on Apply"))]
        }
        storedID = nil
        recordedProfile = nil
        events = []
        live = nil
        finishedTrace = nil
        outcome = nil
        let stopped = stopFetch()
        fetch = nil
        showTree(JSONTree(params, rootName: "params"))
        var request = CallRequest(method: method, params: params, apiVersion: apiVersion)
        request.group = draft?.chainStep?.group
        sends += 1
        return stopped + [.stream(.mine(callName), .observedCall(request))]
    }

    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        if id.name == Self.secretCopyName { return secretCopied(answer) }
        if id.name == fetchName { return fetchUpdate(answer) }
        if id.name == searchName { return searchUpdate(answer) }
        if id.name == Self.clockName { return clockBeat(answer) }
        if id.name != "trace", id.name != callName { return [] }  // an earlier send's late answer
        switch answer {
        case .streamed(.callEvent(let event, let at)):
            events.append(event)
            return followed(event, at: at)  // InspectorScreen+Steps.swift
        case .streamed(.page), .streamed(.pagingFinished), .streamed(.searchFound), .streamed(.clock), .streamed(.finding),
             .streamed(.diagnosed), .streamed(.reviewed), .streamed(.applied), .streamed(.planSaved), .streamed(.tail),
             .streamed(.tailTick), .streamed(.deadLetters):
            break
        case .call(let result):
            switch result.result {
            case .success(let envelope): show(result.trace, envelope: envelope, error: nil)
            case .failure(let error): show(result.trace, envelope: nil, error: ConsoleWords.error(error))
            }
            live = nil
            var effects = stopClock()
            if let step = draft?.chainStep {
                // The chain run learns the step's answer (the new id flows into the next step's form).
                let envelope = try? result.result.get()
                effects.append(.run(.chain(.stepDone(step, method: method, params: params, envelope: envelope,
                                                     callID: result.trace.id, status: result.trace.status))))
            }
            return effects
        case .loaded(.trace(let trace)):
            method = trace.method
            params = trace.request.params
            apiVersion = trace.apiVersion
            recordedProfile = trace.profile
            recordedAt = trace.startedAt
            show(trace, envelope: trace.response, error: trace.error.map { "recorded: \($0.message)" })
        case .loaded(.history), .loaded(.events):
            break
        case .ended(let failure?):
            if outcome == nil {
                outcome = Outcome(request: nil, envelope: nil, error: failure, status: "error", duration: 0, attempts: 0, waited: 0)
            }
            return stopClock()
        case .ended(nil), .edited:
            break
        }
        return []
    }

    /// Shows how a call ended: its result as the tree (or, when it failed, what was sent).
    /// A failed call opens on its steps (the debugger); a good one on its result.
    private mutating func show(_ trace: CallTrace, envelope: JSONValue?, error: String?) {
        outcome = Outcome(request: trace.request, envelope: envelope, error: error, status: trace.status, duration: trace.duration,
                          attempts: trace.attempts.count, waited: trace.waits.reduce(0) { $0 + $1.seconds })
        finishedTrace = trace
        showTree(envelope.map { JSONTree($0["result"] ?? .null, rootName: "result") } ?? JSONTree(params, rootName: "params"))
        showsSteps = trace.status != "ok"
    }

    /// A new tree on screen: the raw view, search and filter of the old one go with it.
    private mutating func showTree(_ newTree: JSONTree) {
        tree = newTree
        raw = nil
        showsRaw = false
        showsSteps = false
        search = nil
        filter = nil
        nav = PaneNavigator(paneCount: 1)
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        viewWidth = app.size.width
        if asksSecretCopy { return answerSecretCopy(key, app) }
        if search?.editing == true || filter?.editing == true { return typed(action, key, app) }
        let index = nav.cursor.selected
        let onTree = body == .tree && index < tree.index.count
        switch action {
        case .search?: return startSearch()
        case .nextHit?: return jumpToHit(by: 1)
        case .previousHit?: return jumpToHit(by: -1)
        case .pathFilter?: return startFilter()
        case .fetchAll?: return fetchAllPages(app)
        case .cancel?: return outcome == nil && live != nil ? cancelCall() : cancelFetch(saying: true)
        case .stepView?: return toggleSteps()
        case .diagnose?: return diagnose()
        case .back?:
            // Esc undoes what is on first: a running fetch, a search, a filter, the raw view; then it goes back.
            if fetch?.state == .running { return cancelFetch(saying: true) }
            if showsSteps, outcome?.status == "ok" { return toggleSteps() }
            if search != nil { return clearSearch() }
            if filter != nil { return clearFilter() }
            return .ignored
        case .rawView?:
            showsSteps = false
            showsRaw.toggle()
            if showsRaw, raw == nil { raw = RawJSON(rawViewValue) }
            nav = PaneNavigator(paneCount: 1)
            return .handled([])
        case .copyValue?, .copyPath?:
            guard let node = selectedNode else {
                return .handled([.status(StatusMessage("copy works on the tree: r goes back to it", kind: .warning))])
            }
            let value = tree.root.node(at: node) ?? .null
            let path = tree.root.dottedPath(node, rootName: tree.rootName)
            let text: String
            if action == .copyPath {
                text = path
            } else if case .string(let string) = value {
                text = string  // the text itself, not its JSON quoting
            } else {
                text = value.isContainer ? JSONWriter.pretty(value) : JSONWriter.compact(value)
            }
            return copy(text, what: action == .copyPath ? "the path \(path)" : "the value of \(path)")
        case .copyCurl?:
            guard let request = outcome?.request, !request.url.isEmpty else {
                return .handled([.status(StatusMessage("nothing to copy yet: the call has not been sent", kind: .warning))])
            }
            return copy(Self.curl(request), what: "the call as a cURL command (secrets masked)")
        case .editInForm?:
            guard !method.isEmpty else { return .handled([]) }
            return .handled([.run(.open(.form(FormSeed(method: method, params: params, apiVersion: apiVersion))))])
        case .copyCommand?, .copyCurlSecret?:
            return copyCall(action!, app)  // InspectorScreen+Copy.swift
        case .nextPage?:
            if fetch?.state == .done {
                return .handled([.status(StatusMessage("every page is already here (all pages were fetched)", kind: .warning))])
            }
            guard let next = outcome?.envelope?["next"]?.intValue else {
                return .handled([.status(StatusMessage("no next page: the answer has no \"next\"", kind: .warning))])
            }
            guard storedID == nil, apiVersion == .v2, case .object(var object) = params else {
                return .handled([.status(StatusMessage("next page works on a call sent from here (REST v2); F5 first replays this one",
                                                       kind: .warning))])
            }
            // The same call from the portal's next start, as a page of its own: Esc comes back to this one.
            object[object.keys.first { $0.lowercased() == "start" } ?? "start"] = .int(next)
            return .handled([.run(.open(.call(method: method, params: .object(object))))])
        case .select?, .right?:
            if body == .filtered, action == .select, let node = selectedNode { return showInTree(node) }
            guard onTree else { return showsRaw || body == .filtered ? .handled([]) : scroll(action, app) }
            if tree.index[index].isContainer, action == .select || !tree.index[index].isOpen {
                tree.toggle(index)
            }
            return .handled([])
        case .left?:
            guard onTree else { return .ignored }
            // Fold an open container; else go to the parent; on the root, Left goes back as elsewhere.
            if tree.index[index].isContainer, tree.index[index].isOpen {
                tree.toggle(index)
                return .handled([])
            }
            guard let parent = tree.parent(of: index) else { return .ignored }
            nav.cursor.select(parent, count: tree.index.count)
            return .handled([])
        default:
            return scroll(action, app)
        }
    }

    /// What the body shows.
    enum Body: Equatable {
        case tree, raw, filtered, steps
    }

    var body: Body { showsSteps ? .steps : showsRaw ? .raw : (filter?.applied != nil ? .filtered : .tree) }

    /// Lines of the body as it is shown.
    var bodyCount: Int {
        switch body {
        case .tree: return tree.index.count
        case .raw: return raw?.count ?? 0
        case .filtered: return filter?.found.nodes.count ?? 0
        case .steps: return stepLines(width: viewWidth).count
        }
    }

    /// The node under the cursor (none in the raw view).
    var selectedNode: JSONNodePath? {
        let index = nav.cursor.selected
        switch body {
        case .tree: return index < tree.index.count ? tree.index.path(ofLine: index) : nil
        case .raw, .steps: return nil
        case .filtered: return filter.flatMap { index < $0.found.nodes.count ? $0.found.nodes[index] : nil }
        }
    }

    /// What the raw view shows: the whole answer (or the request), or after "fetch all pages" every row.
    var rawViewValue: JSONValue {
        if let fetch { return ["result": .array(fetch.rows), "total": fetch.total.map { .int(Int64($0)) } ?? .null] }
        return outcome?.envelope ?? params
    }

    /// Arrows, paging, top and bottom over the body's lines; counts come from the body, not from built rows.
    mutating func scroll(_ action: KeyAction?, _ app: ConsoleState) -> KeyResult {
        let count = bodyCount
        switch action {
        case .up?: nav.cursor.move(by: -1, count: count)
        case .down?: nav.cursor.move(by: 1, count: count)
        case .top?: nav.cursor.select(0, count: count)
        case .bottom?: nav.cursor.select(count - 1, count: count)
        case .pageUp?: nav.cursor.page(-1, count: count, viewport: pageRows(app))
        case .pageDown?: nav.cursor.page(1, count: count, viewport: pageRows(app))
        default: return .ignored
        }
        return .handled([])
    }

    /// A copy through the terminal, with what was copied on the status line.
    func copy(_ text: String, what: String) -> KeyResult {
        guard text.utf8.count <= Self.copyLimit else {
            return .handled([.status(StatusMessage("\(what) is \(text.utf8.count / 1024) KB, more than a terminal copy carries (\(Self.copyLimit / 1024) KB); use the raw view or b24 history ID --json", kind: .warning))])
        }
        return .handled([.copy(text), .status(StatusMessage("copied \(what) (\(counted(text.count, "character")))"))])
    }
}

