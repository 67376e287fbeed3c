import B24Client
import Foundation
import B24Wire
import TerminalKit

/// A call sent from the console (`:call METHOD {JSON}`), watched while it runs and inspected when it is done, or a
/// call from history: a header (status, duration, attempts, operating time, total/next) and the result as a tree
/// that folds, or the raw JSON. F5 sends the same call again (from history: a replay, through every guardrail, as a
/// new call). Calls go through B24Client's guardrails like `b24 call`, and are kept in history.
struct InspectorScreen: PaneScreen, Equatable {
    var nav = PaneNavigator(paneCount: 1)
    private(set) var method: String
    private(set) var params: JSONValue
    /// Set when the screen shows a call from history (until it is sent again).
    private(set) var storedID: String?
    /// What the call has done so far, as the client reported it.
    private(set) var events: [CallEvent] = []
    private(set) var outcome: Outcome?
    private(set) var tree: JSONTree
    /// The raw view's lines (pretty JSON), made when the raw view is first asked for.
    private(set) var rawLines: [String]?
    var showsRaw = false

    /// How the call ended, as far as the screen needs it.
    struct Outcome: Equatable, Sendable {
        /// The request as sent, secrets masked (what a copied cURL command is made of).
        var request: CallTrace.RequestRecord
        var envelope: JSONValue?
        var error: String?
        var status: String
        var duration: Double
        var attempts: Int
        var waited: Double
    }

    init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
        tree = JSONTree(params, rootName: "params")
    }

    /// A call from history, read when the screen opens.
    init(storedID: String) {
        self.init(method: "", params: .emptyObject)
        self.storedID = storedID
    }

    var route: Route { storedID.map { .storedCall($0) } ?? .call(method: method, params: params) }

    func panes(_ app: ConsoleState) -> [Pane] {
        if showsRaw, let rawLines {
            return [Pane("Raw", rawLines.map { PaneRow([Span($0)]) })]
        }
        let title = outcome?.envelope != nil ? "Result" : "Request"
        return [Pane(title, tree.lines.map { PaneRow([]).with(JSONTree.row($0)) })]
    }

    mutating func opened(_ app: ConsoleState) -> [Effect] {
        guard let storedID else { return send() }
        return [.load(.mine("trace"), .trace(storedID))]
    }

    mutating func refresh(_ app: ConsoleState) -> [Effect] { send() }

    /// A call is never sent again by itself (another portal, a write): F5 does it when the user asks.
    mutating func reconnected(_ app: ConsoleState) -> [Effect] { [] }

    private mutating func send() -> [Effect] {
        guard !method.isEmpty else { return [] }  // a call from history that has not been read yet
        storedID = nil
        events = []
        outcome = nil
        rawLines = nil
        tree = JSONTree(params, rootName: "params")
        nav = PaneNavigator(paneCount: 1)
        return [.stream(.mine("call"), .observedCall(CallRequest(method: method, params: params)))]
    }

    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        switch answer {
        case .streamed(.callEvent(let event)):
            events.append(event)
        case .call(let result):
            switch result.result {
            case .success(let envelope): show(result.trace, envelope: envelope, error: nil)
            case .failure(let error): show(result.trace, envelope: nil, error: ConsoleWords.error(error))
            }
        case .loaded(.trace(let trace)):
            method = trace.method
            params = trace.request.params
            show(trace, envelope: trace.response, error: trace.error?.message)
        case .loaded(.history):
            break
        case .ended(let failure?):
            if outcome == nil {
                outcome = Outcome(request: CallTrace.RequestRecord(httpMethod: "POST", url: "", params: .emptyObject),
                                  envelope: nil, error: failure, status: "error", duration: 0, attempts: 0, waited: 0)
            }
        case .ended(nil):
            break
        }
        return []
    }

    /// The request as a cURL command. It is made from the recorded request, whose webhook code, tokens and
    /// secrets are already masked: paste it to see the shape, put the secret back to run it.
    static func curl(_ request: CallTrace.RequestRecord) -> String {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var parts = ["curl", "-sS", "-X", request.httpMethod, quoted(request.url)]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { parts += ["-H", quoted("\(name): \(value)")] }
        if request.httpMethod != "GET" {
            parts += ["-H", quoted("Content-Type: application/json"), "--data-raw", quoted(JSONWriter.compact(request.params))]
        }
        return parts.joined(separator: " ")
    }

    /// Shows how a call ended: its result as the tree (or, when it failed, what was sent).
    private mutating func show(_ trace: CallTrace, envelope: JSONValue?, error: String?) {
        outcome = Outcome(request: trace.request, envelope: envelope, error: error, status: trace.status, duration: trace.duration,
                          attempts: trace.attempts.count, waited: trace.waits.reduce(0) { $0 + $1.seconds })
        tree = envelope.map { JSONTree($0["result"] ?? .null, rootName: "result") } ?? JSONTree(params, rootName: "params")
        rawLines = nil
        nav = PaneNavigator(paneCount: 1)
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        let index = nav.cursor.selected
        switch action {
        case .rawView?:
            showsRaw.toggle()
            if showsRaw, rawLines == nil {
                let value = outcome?.envelope ?? params
                rawLines = JSONWriter.pretty(value).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            nav = PaneNavigator(paneCount: 1)
            return .handled([])
        case .copyValue?, .copyPath? where !showsRaw:
            guard index < tree.lines.count else { return .handled([]) }
            let line = tree.lines[index]
            let text: String
            if action == .copyPath {
                text = line.path
            } else if case .string(let string) = line.value {
                text = string  // the text itself, not its JSON quoting
            } else {
                text = line.isContainer ? JSONWriter.pretty(line.value) : JSONWriter.compact(line.value)
            }
            let what = action == .copyPath ? "the path \(line.path)" : "the value of \(line.path)"
            return .handled([.copy(text), .status(StatusMessage("copied \(what) (\(counted(text.count, "character")))"))])
        case .copyCurl?:
            guard let request = outcome?.request, !request.url.isEmpty else {
                return .handled([.status(StatusMessage("nothing to copy yet: the call has not been sent", kind: .warning))])
            }
            return .handled([.copy(Self.curl(request)), .status(StatusMessage("copied the call as a cURL command (secrets masked)"))])
        case (.select?), (.right?) where !showsRaw:
            guard index < tree.lines.count, tree.lines[index].isContainer else { return .handled([]) }
            if action == .select || !tree.lines[index].isOpen { tree.toggle(index) }
            return .handled([])
        case .left? where !showsRaw:
            // Fold an open container; else go to the parent; on the root, Left goes back as elsewhere.
            if index < tree.lines.count, tree.lines[index].isContainer, tree.lines[index].isOpen {
                tree.toggle(index)
                return .handled([])
            }
            guard let parent = tree.parent(of: index) else { return .ignored }
            nav.cursor.select(parent, count: tree.lines.count)
            return .handled([])
        default:
            return navigate(action, app)
        }
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        let km = app.keymap
        var hints = [KeyHint(arrowsLabel(km), "move")]
        if !showsRaw { hints.append(KeyHint("←→", "fold")) }
        hints += [KeyHint(keyLabel(km, .rawView), showsRaw ? "tree" : "raw"), KeyHint(keyLabel(km, .copyValue), "copy"),
                  KeyHint(keyLabel(km, .copyCurl), "cURL"), KeyHint(keyLabel(km, .refresh), "resend"), KeyHint(keyLabel(km, .back), "back")]
        return hints
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let title = method.isEmpty ? "reading call \(storedID ?? "") from history…" : "call " + method + (storedID == nil ? "" : "  (from history; F5 sends it again)")
        screen.put(title, at: rect.origin, style: theme[.title], clip: rect)
        let next = Facts(rows: facts(), labelWidth: 9).render(into: &screen, rect: rect.inset(top: 1).splitTop(max(0, rect.height - 5)).0, theme: theme)
        drawPanes(panes(app), into: &screen, rect: Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next), theme: theme)
        return nil
    }

    func facts() -> [(label: String, value: [Span])] {
        var rows: [(String, [Span])] = [("Params", [Span(JSONWriter.compact(params), .muted)])]
        guard let outcome else {
            rows.append(("Status", [Span("running… ", .warning), Span(progress(), .muted)]))
            return rows
        }
        let role: ThemeRole = outcome.status == "ok" ? .success : (outcome.status == "partial" ? .warning : .error)
        var took = formatSeconds(outcome.duration) + "   " + counted(outcome.attempts, "attempt")
        if outcome.waited > 0.01 { took += "   waited " + formatSeconds(outcome.waited) }
        rows.append(("Status", [Span(outcome.status, role), Span("   " + took, .muted)]))
        if let error = outcome.error { rows.append(("Error", [Span(error, .error)])) }
        if let envelope = outcome.envelope {
            if let time = envelope["time"], let operating = time["operating"]?.doubleValue {
                var text = String(format: "%.3f s of this method's budget used", operating)
                if let reset = time["operating_reset_at"]?.doubleValue {
                    text += ", window resets " + Self.utcTime.string(from: Date(timeIntervalSince1970: reset)) + " UTC"
                }
                rows.append(("Operating", [Span(text)]))
            }
            var paging: [String] = []
            if let total = envelope["total"]?.intValue { paging.append("total \(total)") }
            if let next = envelope["next"]?.intValue { paging.append("next page starts at \(next)") }
            if !paging.isEmpty { rows.append(("Paging", [Span(paging.joined(separator: "   "))])) }
        }
        return rows
    }

    /// "14:53:48": the time of day of an operating-time reset.
    private static let utcTime: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()

    /// What the running call is doing, from its latest event.
    func progress() -> String {
        for event in events.reversed() {
            switch event {
            case .waiting(let wait): return "waiting \(formatSeconds(wait.seconds)) \(wait.detail)"
            case .attemptStarted(let number): return "attempt \(number) sent"
            case .refreshStarted: return "refreshing the access token"
            case .attemptAnswered(let number, let status, let code, _, _):
                return "attempt \(number): " + (status.map { "HTTP \($0)" } ?? "no answer") + (code.map { " \($0)" } ?? "")
            default: continue
            }
        }
        return ""
    }
}

extension PaneRow {
    /// The same target with another row's look.
    func with(_ row: ListRow) -> PaneRow {
        var copy = self
        copy.row = row
        return copy
    }
}

/// "850 ms", "2.50 s".
func formatSeconds(_ seconds: Double) -> String {
    seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : String(format: "%.2f s", seconds)
}
