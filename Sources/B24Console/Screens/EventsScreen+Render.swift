import B24Client
import B24Wire
import Foundation
import TerminalKit

/// Draws the events screen: one line per source, the counters with a sparkline, the filter, then the list (or
/// one event in detail). Everything from the portal passes ``EventFields/stripControls(_:)`` first.
struct EventsView {
    let screen: EventsScreen

    func render(into canvas: inout Screen, rect: Rect, theme: Theme) -> Point? {
        guard rect.height >= 4, rect.width >= 10 else { return nil }
        var row = rect.row
        for source in screen.sources {
            let (text, role) = sourceLine(source)
            canvas.put(clean(text), at: Point(column: rect.column, row: row), style: theme[role], clip: rect)
            row += 1
        }
        let spark = Self.sparkline(Array(screen.perSecond.suffix(10))) + " "
        let counters = "received \(screen.received) · missed online \(screen.missedOnline) · dropped from view \(screen.droppedFromView)"
            + (screen.refused > 0 ? " · refused \(screen.refused)" : "") + (screen.deadLetters > 0 ? " · worker DLQ \(screen.deadLetters)" : "")
        let mode = (screen.paused ? " · PAUSED (\(screen.held.count) held)" : (screen.following ? " · following" : ""))
            + String(format: " · %.1f/s", rate)
        canvas.put(spark + counters + mode, at: Point(column: rect.column, row: row), style: theme[.muted], clip: rect)
        row += 1
        var cursor: Point?
        let filterRect = Rect(column: rect.column, row: row, width: rect.width, height: 1)
        if let prompt = screen.prompt {
            let field = FormField(label: prompt.kind == .bind ? "Bind" : "Unbind", value: prompt.text,
                                  placeholder: "EVENT, or EVENT offline", isFocused: true)
            cursor = field.render(into: &canvas, rect: filterRect, theme: theme)
        } else {
            let field = FormField(label: "Filter", value: screen.filter, placeholder: "/ event name, entity id or text",
                                  isFocused: screen.filtering)
            let at = field.render(into: &canvas, rect: filterRect, theme: theme)
            if screen.filtering { cursor = at }
        }
        row += 1
        let body = Rect(column: rect.column, row: row, width: rect.width, height: rect.maxRow - row)
        if let id = screen.detail, let event = screen.rows.first(where: { $0.id == id }) ?? screen.held.first(where: { $0.id == id }) {
            drawDetail(event, into: &canvas, rect: body, theme: theme)
        } else {
            drawList(into: &canvas, rect: body, theme: theme)
        }
        return cursor
    }

    private var rate: Double {
        let recent = screen.perSecond.suffix(10)
        return Double(recent.reduce(0, +)) / Double(max(1, recent.count))
    }

    private func clean(_ text: String) -> String { EventFields.stripControls(text) }

    private func sourceLine(_ source: SourceStatus) -> (String, ThemeRole) {
        var role: ThemeRole = .text
        var text = source.line
        if case .reconnecting = source.state { role = .warning }
        if source.state == .stopped { role = .error }
        if source.state == .ready {
            // The receiver's events are the online ones.
            if let last = screen.lastEvent[source.source == .receiver ? EventSource.online.rawValue : EventSource.offline.rawValue] {
                let quiet = screen.now.timeIntervalSince(last)
                text += quiet >= EventsScreen.quietAfter ? " · quiet for \(Self.duration(quiet))" : " · last event \(Self.duration(max(0, quiet))) ago"
            } else {
                text += " · no events yet"
            }
            if source.error != nil { role = .warning }
        }
        if source.source == .receiver, let refusal = screen.lastRefusal { text += " · refused: \(refusal)" }
        return (text, role)
    }

    private func drawList(into canvas: inout Screen, rect: Rect, theme: Theme) {
        let shown = screen.visible
        guard !shown.isEmpty else {
            let text = screen.rows.isEmpty ? "waiting for events… (b: bind an event to this receiver)" : "no event matches the filter"
            canvas.put(text, at: rect.origin, style: theme[.muted], clip: rect)
            return
        }
        let height = rect.height
        let cursor = min(screen.cursor, shown.count - 1)
        let start = max(0, cursor - height + 1)
        for (offset, event) in shown.dropFirst(start).prefix(height).enumerated() {
            let index = start + offset
            let point = Point(column: rect.column, row: rect.row + offset)
            let style: Style = index == cursor ? theme[.selection] : (event.missedOnline ? theme[.warning] : theme[.text])
            if index == cursor { canvas.fill(Rect(column: rect.column, row: point.row, width: rect.width, height: 1), style: style) }
            canvas.put(clean(Self.line(event)), at: point, style: style, clip: rect)
        }
    }

    /// "14:03:05 online  ONCRMLEADADD id=5" (UTC).
    static func line(_ event: ReceivedEvent) -> String {
        var text = HistoryScreen.time(event.receivedAt).suffix(8) + " " + pad(event.source.rawValue, toWidth: 7) + " " + event.event
        if let id = event.entityID { text += " id=\(id)" }
        if let message = event.messageID { text += " msg=\(message)" }
        if event.missedOnline { text += "  MISSED ONLINE" }
        return text
    }

    private func drawDetail(_ event: ReceivedEvent, into canvas: inout Screen, rect: Rect, theme: Theme) {
        var lines = [Self.line(event)]
        if let read = EventFields.readBack(event: event.event, entityID: event.entityID) {
            lines.append("Enter: open \(read.method) \(JSONWriter.compact(read.params)) in the inspector")
        }
        lines += JSONWriter.pretty(event.payload).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (offset, line) in lines.prefix(rect.height).enumerated() {
            let role: ThemeRole = offset == 0 ? .title : (offset == 1 && lines.count > 1 ? .accent : .text)
            canvas.put(clean(line), at: Point(column: rect.column, row: rect.row + offset), style: theme[role], clip: rect)
        }
    }

    /// Block characters for counts, scaled to the largest.
    static func sparkline(_ counts: [Int]) -> String {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let top = max(1, counts.max() ?? 1)
        return String(counts.map { count in count == 0 ? blocks[0] : blocks[min(7, 1 + (count * 6) / top)] })
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min" }
        return "\(whole / 3600) h"
    }
}
