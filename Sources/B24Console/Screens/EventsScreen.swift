import B24Client
import B24Wire
import Foundation
import TerminalKit

/// `:events`: every event source (b24's receiver and a read-only watch of the offline queue) in one live list,
/// newest at the bottom. Follow keeps the newest in view; pause holds new events off the list; `/` filters by
/// event name, entity id or text; Enter shows an event (data and auth, secrets masked), and Enter there opens the
/// entity's get call in the inspector. `b`/`u` bind and unbind an event to this receiver (online, or with
/// " offline" the queue).
///
/// The list keeps the newest ``bufferLimit`` events (the count dropped from the view is shown); moving up past
/// the first one reads older events from SQLite. Each source shows its state, address or polling interval, the
/// time since its last event and its last error; a sparkline shows events per second over the last minute.
struct EventsScreen: ConsoleScreen, Equatable {
    static let bufferLimit = 1000
    /// Seconds of quiet after which a source says so.
    static let quietAfter: TimeInterval = 60

    var rows: [ReceivedEvent] = []
    var droppedFromView = 0
    var received = 0
    var missedOnline = 0
    var refused = 0
    var lastRefusal: String?
    var sources: [SourceStatus] = [
        SourceStatus(source: .receiver, state: .connecting, detail: "starting"),
        SourceStatus(source: .offline, state: .connecting, detail: "every 5 s"),
    ]
    var lastEvent: [String: Date] = [:]
    /// The clock, as the tail's ticks give it (rendering stays a function of the state).
    var now = Date(timeIntervalSince1970: 0)
    /// Events per second, oldest first, the last one for the second ``sparkEnd``.
    var perSecond: [Int] = Array(repeating: 0, count: 60)
    var sparkEnd = 0
    var following = true
    var paused = false
    var held: [ReceivedEvent] = []
    var cursor = 0
    var filter = EditableText()
    var filtering = false
    /// The event shown in detail (its row id).
    var detail: Int64?
    /// A bind or unbind line being typed.
    var prompt: (kind: PromptKind, text: EditableText)?
    var readingOlder = false
    /// The offline worker's DLQ size (shown when not empty).
    var deadLetters = 0

    enum PromptKind: String, Equatable, Sendable { case bind, unbind }

    var route: Route { .events }
    var takesText: Bool { filtering || prompt != nil }

    static func == (a: EventsScreen, b: EventsScreen) -> Bool {
        a.rows == b.rows && a.droppedFromView == b.droppedFromView && a.received == b.received && a.sources == b.sources
            && a.now == b.now && a.perSecond == b.perSecond && a.following == b.following && a.paused == b.paused
            && a.cursor == b.cursor && a.filter == b.filter && a.filtering == b.filtering && a.detail == b.detail
            && a.prompt?.kind == b.prompt?.kind && a.prompt?.text == b.prompt?.text && a.held == b.held
            && a.missedOnline == b.missedOnline && a.refused == b.refused && a.deadLetters == b.deadLetters
    }

    var receiverURL: String? {
        guard let receiver = sources.first(where: { $0.source == .receiver }), receiver.state == .ready,
              receiver.detail.hasPrefix("http") else { return nil }
        return receiver.detail
    }

    mutating func opened(_ app: ConsoleState) -> [Effect] {
        [.stream(.mine("tail"), .eventTail(EventTail.Options()))]
    }

    // MARK: Answers

    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        switch (id.name, answer) {
        case ("tail", .streamed(.tail(let item))): take(item)
        case ("tail", .streamed(.tailTick(let date))): tick(date)
        case ("tail", .streamed(.deadLetters(let count))): deadLetters = count
        case ("tail", .ended(let error)):
            for index in sources.indices { sources[index].state = .stopped }
            if let error { sources[0].error = error }
        case ("older", .loaded(.events(let older))):
            readingOlder = false
            let fresh = older.filter { event in !rows.contains { $0.id == event.id } }.reversed()
            rows.insert(contentsOf: fresh, at: 0)
            droppedFromView = max(0, droppedFromView - fresh.count)
            cursor += fresh.count
            if !fresh.isEmpty { cursor -= 1 }
        case ("older", .ended(let error)):
            readingOlder = false
            return error.map { [.status(StatusMessage($0, kind: .error))] } ?? []
        case (let name, .call(let outcome)) where name == "bind" || name == "unbind":
            if case .failure(let error) = outcome.result {
                return [.status(StatusMessage("\(name) failed: " + ConsoleWords.error(error), kind: .error))]
            }
            let count = outcome.value?["count"]?.intValue.map { " (\($0) removed)" } ?? ""
            return [.status(StatusMessage(name == "bind" ? "bound" + count : "unbound" + count))]
        default: break
        }
        return []
    }

    mutating func take(_ item: TailItem) {
        switch item {
        case .event(let event):
            received += 1
            lastEvent[event.source.rawValue] = event.receivedAt
            count(at: event.receivedAt)
            if paused { held.append(event) } else { append(event) }
        case .missedOnline(let event):
            missedOnline += 1
            if let index = rows.firstIndex(where: { $0.id == event.id }) { rows[index].missedOnline = true }
            if let index = held.firstIndex(where: { $0.id == event.id }) { held[index].missedOnline = true }
        case .status(let status):
            if let index = sources.firstIndex(where: { $0.source == status.source }) {
                // A ready line without an error keeps the last error visible until the next one.
                sources[index] = status
            }
        case .refused(_, let reason):
            refused += 1
            lastRefusal = reason
        }
    }

    private mutating func append(_ event: ReceivedEvent) {
        rows.append(event)
        if rows.count > Self.bufferLimit, following || cursor > rows.count - Self.bufferLimit {
            let extra = rows.count - Self.bufferLimit
            rows.removeFirst(extra)
            droppedFromView += extra
            cursor = max(0, cursor - extra)
        }
        if following { cursor = max(0, visible.count - 1) }
    }

    private mutating func count(at date: Date) {
        let second = Int(date.timeIntervalSince1970)
        advance(to: max(second, sparkEnd))
        let index = perSecond.count - 1 - (sparkEnd - second)
        if index >= 0, index < perSecond.count { perSecond[index] += 1 }
    }

    mutating func tick(_ date: Date) {
        now = date
        advance(to: Int(date.timeIntervalSince1970))
    }

    private mutating func advance(to second: Int) {
        guard second > sparkEnd else { return }
        let shift = min(perSecond.count, second - sparkEnd)
        if sparkEnd == 0 { perSecond = Array(repeating: 0, count: perSecond.count) } else {
            perSecond.removeFirst(shift)
            perSecond += Array(repeating: 0, count: shift)
        }
        sparkEnd = second
    }

    /// The rows that pass the filter.
    var visible: [ReceivedEvent] {
        let typed = filter.text.trimmingCharacters(in: .whitespaces)
        guard !typed.isEmpty else { return rows }
        return rows.filter { Self.matches($0, typed) }
    }

    static func matches(_ event: ReceivedEvent, _ typed: String) -> Bool {
        event.event.localizedCaseInsensitiveContains(typed) || event.entityID == typed
            || JSONWriter.compact(event.payload).localizedCaseInsensitiveContains(typed)
    }

    // MARK: Keys

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if prompt != nil { return promptKey(key) }
        if filtering {
            switch key.key {
            case .escape, .enter: filtering = false
            default:
                if key == .ctrl("c") { return .ignored }
                var edited = filter
                guard edited.handle(key) else { return .ignored }
                filter = edited
                cursor = max(0, visible.count - 1)
            }
            return .handled([])
        }
        if let id = detail { return detailKey(action, key, id: id) }
        let shown = visible
        switch action {
        case .up?:
            if cursor == 0 { return .handled(readOlder(app)) }
            cursor -= 1
            following = false
        case .down?:
            cursor = min(max(0, shown.count - 1), cursor + 1)
            following = cursor == shown.count - 1
        case .pageUp?:
            if cursor == 0 { return .handled(readOlder(app)) }
            cursor = max(0, cursor - 10)
            following = false
        case .pageDown?: cursor = min(max(0, shown.count - 1), cursor + 10)
        case .top?:
            cursor = 0
            following = false
        case .bottom?, .follow?:
            following = true
            cursor = max(0, shown.count - 1)
        case .pause?:
            paused.toggle()
            if !paused {
                let resumed = held
                held = []
                for event in resumed { append(event) }
            }
            return .handled([.status(StatusMessage(paused ? "paused: new events are held" : "resumed"))])
        case .search?: filtering = true
        case .select?:
            guard shown.indices.contains(cursor) else { return .handled([]) }
            detail = shown[cursor].id
        case .callMethod?:
            guard shown.indices.contains(cursor) else { return .handled([]) }
            return .handled(openEntity(shown[cursor]))
        case .bindEvent?: prompt = (.bind, EditableText(shown.indices.contains(cursor) ? shown[cursor].event : ""))
        case .unbindEvent?: prompt = (.unbind, EditableText(shown.indices.contains(cursor) ? shown[cursor].event : ""))
        default:
            if key.key == .escape, !filter.isEmpty {
                filter = EditableText()
                cursor = max(0, rows.count - 1)
                return .handled([.status(StatusMessage("filter cleared"))])
            }
            return .ignored
        }
        return .handled([])
    }

    private mutating func detailKey(_ action: KeyAction?, _ key: KeyEvent, id: Int64) -> KeyResult {
        switch action {
        case .select?, .callMethod?:
            guard let event = rows.first(where: { $0.id == id }) ?? held.first(where: { $0.id == id }) else { return .handled([]) }
            return .handled(openEntity(event))
        case .back?, .left?:
            detail = nil
            return .handled([])
        default: return key.key == .escape ? .handled([]) : .ignored
        }
    }

    private func openEntity(_ event: ReceivedEvent) -> [Effect] {
        guard let read = EventFields.readBack(event: event.event, entityID: event.entityID) else {
            return [.status(StatusMessage("\(event.event) names no object to read", kind: .warning))]
        }
        return [.run(.open(.call(method: read.method, params: read.params)))]
    }

    private mutating func readOlder(_ app: ConsoleState) -> [Effect] {
        guard droppedFromView > 0, !readingOlder, let profile = app.connection?.profile else { return [] }
        readingOlder = true
        return [.load(.mine("older"), .events(profile: profile, before: rows.first?.id, limit: 200))]
    }

    private mutating func promptKey(_ key: KeyEvent) -> KeyResult {
        guard let (kind, text) = prompt else { return .ignored }
        switch key.key {
        case .escape:
            prompt = nil
            return .handled([])
        case .enter:
            prompt = nil
            let words = text.text.split(separator: " ").map(String.init)
            guard let event = words.first?.uppercased(), !event.isEmpty else { return .handled([]) }
            let offline = words.dropFirst().contains { $0.lowercased() == "offline" }
            guard offline || receiverURL != nil else {
                return .handled([.status(StatusMessage("the receiver is not ready: no handler URL to bind", kind: .error))])
            }
            var params: JSONObject = ["event": .string(event)]
            if offline { params["event_type"] = "offline" } else { params["handler"] = .string(receiverURL ?? "") }
            var request = CallRequest(method: kind == .bind ? "event.bind" : "event.unbind", params: .object(params))
            request.confirmWrite = true
            request.confirmDestructive = kind == .unbind
            return .handled([.call(.mine(kind.rawValue), request)])
        default:
            var edited = text
            guard edited.handle(key) else { return .ignored }
            prompt = (kind, edited)
            return .handled([])
        }
    }

    func hints(_ app: ConsoleState) -> [KeyHint] {
        if prompt != nil { return [KeyHint("type", "EVENT [offline]"), KeyHint("enter", "send"), KeyHint("esc", "cancel")] }
        if filtering { return [KeyHint("type", "name, id or text"), KeyHint("enter", "done")] }
        let km = app.keymap
        if detail != nil { return [KeyHint(keyLabel(km, .select), "open entity"), KeyHint(keyLabel(km, .back), "list")] }
        return [KeyHint(keyLabel(km, .select), "open"), KeyHint(keyLabel(km, .search), "filter"),
                KeyHint(keyLabel(km, .follow), "follow"), KeyHint(keyLabel(km, .pause), paused ? "resume" : "pause"),
                KeyHint(keyLabel(km, .bindEvent), "bind"), KeyHint(keyLabel(km, .unbindEvent), "unbind")]
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        EventsView(screen: self).render(into: &screen, rect: rect, theme: app.theme)
    }
}
