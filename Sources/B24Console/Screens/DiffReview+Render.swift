import B24Catalog
import B24Client
import TerminalKit

/// How the review draws itself: a modal with the production banner, the diff (or the three-way view, or the
/// verification), the typed confirmation when one is needed, and Cancel / Apply.
extension DiffReview {
    var title: String {
        switch phase {
        case .reading: return "Reading \(request.method)…"
        case .shown: return "Review \(request.method)"
        case .applying: return "Writing \(request.method)…"
        case .stale: return "\(request.method): the record moved"
        case .done: return applied?.verified == true ? "\(request.method): verified" : "\(request.method): written"
        case .failed: return "\(request.method): not reviewed"
        }
    }

    var footer: String {
        switch phase {
        case .shown: return "tab switch · enter choose · ctrl+p save plan · ? help · esc cancel"
        case .done: return canRevert ? "r revert · enter/esc close · ? help" : "enter/esc close · ? help"
        case .stale: return "enter review again · esc close"
        default: return "esc close"
        }
    }

    /// Draws the review centred over `area`; returns where the text cursor goes (the typed confirmation).
    @discardableResult
    func render(into screen: inout Screen, area: Rect, theme: Theme, connection: ConnectionInfo?) -> Point? {
        let asksTyping = phase == .shown && mustType != nil
        let extra = (asksTyping ? 2 : 0) + (production ? 1 : 0) + (phase == .shown ? 2 : 0) + 2
        let size = Size(width: min(area.width - 2, 96), height: min(area.height - 1, lines.count + extra + 2))
        let role: ThemeRole = risk == .destructive || phase == .stale ? .error : .warning
        let modal = Modal(title: title, body: [], footer: footer, size: size, role: role)
        let body = modal.render(into: &screen, area: area, theme: theme)
        guard body.height > 0 else { return nil }
        var row = body.row
        func line(_ spans: [Span]) {
            guard row < body.maxRow else { return }
            var column = body.column
            for span in spans {
                column = screen.put(span.text, at: Point(column: column, row: row), style: theme[span.role], clip: body)
            }
            row += 1
        }
        if production {
            line([Span("PRODUCTION", .banner), Span(" \(connection?.portal ?? "portal"): every write is typed to confirm", .warning)])
        }
        if showsHelp {
            for text in Self.help { line([Span(text, .text)]) }
            line([Span("any key closes this help", .muted)])
            return nil
        }
        let reserved = (asksTyping ? 2 : 0) + (phase == .shown ? 2 : 0)
        let rows = max(1, body.maxRow - row - reserved)
        // Scrolled no further than the last line at the bottom of the box.
        let start = min(offset, max(0, lines.count - rows))
        for spans in lines.dropFirst(start).prefix(rows) { line(spans) }
        if let planID { line([Span("saved as plan \(planID)", .success)]) }
        guard phase == .shown else { return nil }
        row = max(row, body.maxRow - reserved)
        var cursorPoint: Point?
        if let mustType {
            let label = risk == .destructive ? "Type \(mustType.first ?? "") (the id) or the method name" : "Type \(mustType[0])"
            let field = FormField(label: label, value: typed, isFocused: true)
            cursorPoint = field.render(into: &screen, rect: Rect(column: body.column, row: row, width: body.width, height: 1), theme: theme)
            row += 1
            line([Span(problem ?? "", .error)])
        } else if let problem {
            line([Span(problem, .error)])
        }
        row = body.maxRow - 1
        let cancel = focus == .cancel ? theme[.selection] : theme[.text]
        let apply = focus == .apply ? theme[risk == .destructive ? .error : .selection] : theme[.text]
        var column = body.column
        column = screen.put("[ Cancel ]", at: Point(column: column, row: row), style: cancel, clip: body)
        column = screen.put("   ", at: Point(column: column, row: row), clip: body)
        column = screen.put("[ Apply ]", at: Point(column: column, row: row), style: apply, clip: body)
        if let hash = reviewed?.diff.shortHash {
            screen.put("   diff \(hash)", at: Point(column: column, row: row), style: theme[.muted], clip: body)
        }
        return cursorPoint
    }
}
