import B24Client
import Foundation
import TerminalKit

/// Every call of every process on this machine (console and CLI), newest first: time, status, method, profile,
/// risk and duration. `/` filters: words match anywhere, `method:`, `status:`, `profile:` and `risk:` their own
/// column, `-` excludes (``HistoryFilter``); Enter opens a call with its request and response; F5 reads history
/// again.
///
/// The list reads only the list columns (a large response lives apart from its row, see ``B24Store``); the rows
/// and their filter text are made once per read, so a filter keystroke costs a byte scan of each call.
struct HistoryScreen: PaneScreen, Equatable {
    /// How many calls the list reads (history keeps 20 000 by default).
    static let limit = 20_000

    var nav = PaneNavigator(paneCount: 1)
    private(set) var entries: Loadable<[HistoryEntry]> = .idle
    private(set) var filter = EditableText()
    private(set) var filtering = false
    /// Every call as a row, with its lower-cased text to filter on and the widths of all rows, made once when
    /// history is read; a filter keystroke only picks rows.
    private var allRows: [PaneRow] = []
    private var index = HistoryFilter.Index()
    private var allColumns = ListColumns()
    /// The rows of the calls that pass the filter.
    private var pane = Pane("Calls (times in UTC)", [])

    var route: Route { .history }
    var takesText: Bool { filtering }

    func panes(_ app: ConsoleState) -> [Pane] { [pane] }

    mutating func opened(_ app: ConsoleState) -> [Effect] { read() }

    mutating func refresh(_ app: ConsoleState) -> [Effect] { read() }

    /// Back from a call (perhaps replayed): the list reads history again, so the replay shows.
    mutating func revealed(_ app: ConsoleState) -> [Effect] { read() }

    private mutating func read() -> [Effect] {
        if entries.value == nil { entries = .loading }  // a re-read keeps the list on screen until it arrives
        return [.load(.mine("history"), .history(limit: Self.limit))]
    }

    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        switch answer {
        case .loaded(.history(let list)):
            entries = .loaded(list)
            allRows = list.map(Self.row)
            index = HistoryFilter.Index(list)
            allColumns = ListColumns(measuring: allRows.lazy.map(\.row))
        case .ended(let failure?): entries = .failed(failure)
        default: return []
        }
        rebuild()
        return []
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if filtering {
            switch key.key {
            case .escape, .enter:
                filtering = false
                return .handled([])
            case .up, .down, .pageUp, .pageDown:
                return navigate(action, app)
            default:
                if key == .ctrl("c") { return .ignored }
                var edited = filter
                guard edited.handle(key) else { return .ignored }
                filter = edited
                rebuild()
                return .handled([])
            }
        }
        if action == .search {
            filtering = true
            return .handled([])
        }
        // Esc clears a filter first (as in the inspector); with none, it goes back.
        if key.key == .escape, !filter.isEmpty {
            filter = EditableText()
            rebuild()
            return .handled([.status(StatusMessage("filter cleared"))])
        }
        return navigate(action, app)
    }

    /// The calls that pass the filter, as rows.
    private mutating func rebuild() {
        let asked = HistoryFilter(filter.text)
        let shown = asked.isEmpty ? allRows : index.matching(asked).map { allRows[$0] }
        // At the limit older calls exist beyond what was read: say so rather than imply this is all.
        let newest = allRows.count >= Self.limit ? "; the newest \(Self.limit)" : ""
        let typed = filter.text.trimmingCharacters(in: .whitespaces)
        let title = typed.isEmpty ? "Calls (times in UTC\(newest))" : "Calls matching \"\(typed)\" (\(shown.count) of \(allRows.count))"
        pane = Pane(title, shown, columns: allColumns)
        nav = PaneNavigator(paneCount: 1)
    }

    /// "12-03 14:53:48" (UTC). By hand, not a DateFormatter: reading 20 000 calls formats 20 000 times, and
    /// Foundation's formatter costs microseconds a call.
    static func time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = ""
        text.reserveCapacity(14)
        for (number, separator) in [(parts.tm_mon + 1, "-"), (parts.tm_mday, " "), (parts.tm_hour, ":"), (parts.tm_min, ":"),
                                    (parts.tm_sec, "")] {
            if number < 10 { text += "0" }
            text += String(number)
            text += separator
        }
        return text
    }

    static func row(_ entry: HistoryEntry) -> PaneRow {
        let role: ThemeRole = entry.status == "ok" ? .success : (entry.status == "partial" ? .warning : .error)
        let status = entry.status == "ok" ? "ok" : (entry.errorCode ?? entry.status)
        var spans = [Span(time(entry.startedAt) + "  ", .muted), Span(pad(truncate(status, toWidth: 10), toWidth: 10), role),
                     Span(" "), Span(entry.method, .primary)]
        // A chain run's calls carry their run and step, so they read as one group.
        if let group = entry.group { spans.append(Span("  ⛓ " + group, .accent)) }
        return PaneRow(spans,
                       columns: [entry.profile, entry.risk, formatDuration(entry.duration)], target: .route(.storedCall(entry.id)))
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        if filtering {
            return [KeyHint("type", "words, method: status: profile: risk:"), KeyHint("-word", "exclude"), KeyHint("↑↓", "move"),
                    KeyHint("enter", "done")]
        }
        let km = app.keymap
        return [KeyHint(arrowsLabel(km), "move"), KeyHint(keyLabel(km, .select), "open"), KeyHint(keyLabel(km, .search), "filter"),
                KeyHint(keyLabel(km, .refresh), "reload"), KeyHint(keyLabel(km, .back), "back")]
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let (line, rest) = rect.splitTop(2)
        var cursor: Point?
        switch entries {
        case .idle, .loading: screen.put("reading history…", at: line.origin, style: theme[.muted], clip: line)
        case .failed(let message): screen.put(message, at: line.origin, style: theme[.error], clip: line)
        case .loaded:
            let field = FormField(label: "Filter", value: filter, placeholder: "/ to filter: words, method:NAME, status:error, profile:NAME, -word",
                                  isFocused: filtering)
            cursor = field.render(into: &screen, rect: line.splitTop(1).0, theme: theme)
        }
        drawPanes([pane], into: &screen, rect: rest, theme: theme)
        return filtering ? cursor : nil
    }
}
