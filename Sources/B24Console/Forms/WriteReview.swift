import B24Catalog
import B24Wire
import TerminalKit

/// The confirmation a write from a form needs before it is sent: the exact payload, focus on Cancel, an
/// explicit Apply; a destructive call, or any write on a production profile, also needs the method name typed.
struct WriteReview: Equatable, Sendable {
    enum Button: Equatable, Sendable { case cancel, apply }

    var draft: CallDraft
    var risk: RiskClass
    /// The payload, pretty-printed.
    var lines: [String]
    var focus = Button.cancel
    var typed = EditableText()
    /// What must be typed before Apply works (nil: nothing).
    var mustType: String?
    var offset = 0
    /// Set when Apply was pressed without the typed confirmation.
    var problem: String?

    init(draft: CallDraft, risk: RiskClass, production: Bool) {
        self.draft = draft
        self.risk = risk
        lines = JSONWriter.pretty(draft.params).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        mustType = risk == .destructive || production ? draft.method : nil
    }

    /// What a key does to the review: nothing yet, cancel it, or send the draft.
    enum Outcome: Equatable { case stay, cancel, apply }

    mutating func key(_ key: KeyEvent) -> Outcome {
        switch key.key {
        case .escape: return .cancel
        case .tab, .backTab:
            focus = focus == .cancel ? .apply : .cancel
        case .left, .right:
            // With a confirmation to type, the arrows move in that text; Tab switches the buttons.
            if mustType == nil { focus = focus == .cancel ? .apply : .cancel } else { typed.handle(key) }
        case .up: offset = max(0, offset - 1)
        case .down: offset = min(max(0, lines.count - 1), offset + 1)
        case .enter:
            guard focus == .apply else { return .cancel }
            if let mustType, typed.text.trimmingCharacters(in: .whitespaces) != mustType {
                problem = "type \(mustType) to apply"
                return .stay
            }
            return .apply
        default:
            if mustType != nil, typed.handle(key) { problem = nil }
        }
        return .stay
    }

    /// Draws the review centred over `area`; returns where the text cursor goes (the typed confirmation).
    @discardableResult
    func render(into screen: inout Screen, area: Rect, theme: Theme, connection: ConnectionInfo?) -> Point? {
        let what = risk == .destructive ? "deletes data" : "changes data"
        let size = Size(width: min(area.width - 2, 90), height: min(area.height - 1, lines.count + 8 + (mustType == nil ? 0 : 2) + (connection?.production == true ? 1 : 0)))
        let modal = Modal(title: "Send \(draft.method)?", body: [], footer: "tab switch · enter choose · ↑↓ scroll · esc cancel", size: size,
                          role: risk == .destructive ? .error : .warning)
        let body = modal.render(into: &screen, area: area, theme: theme)
        guard body.height > 3 else { return nil }
        var row = body.row
        func line(_ spans: [Span]) {
            guard row < body.maxRow else { return }
            var column = body.column
            for span in spans {
                column = screen.put(span.text, at: Point(column: column, row: row), style: theme[span.role], clip: body)
            }
            row += 1
        }
        let portal = connection.map { "\($0.portal) (profile \($0.profile))" } ?? "the portal"
        if connection?.production == true { line([Span("PRODUCTION", .banner), Span(" profile: every write is typed to confirm", .warning)]) }
        for text in wrap("This call \(what) on \(portal). It sends exactly:", width: body.width) { line([Span(text, .text)]) }
        let reserved = (mustType == nil ? 0 : 2) + 2
        let payloadRows = max(1, body.maxRow - row - reserved)
        // Scrolled no further than the last line at the bottom of the box.
        let start = min(offset, max(0, lines.count - payloadRows))
        for text in lines.dropFirst(start).prefix(payloadRows) { line([Span("  " + text, .accent)]) }
        row = max(row, body.maxRow - reserved)
        var cursorPoint: Point?
        if let mustType {
            let field = FormField(label: "Type \(mustType) to enable Apply", value: typed, isFocused: true)
            cursorPoint = field.render(into: &screen, rect: Rect(column: body.column, row: row, width: body.width, height: 1), theme: theme)
            row += 1
            line([Span(problem ?? "", .error)])
        }
        row = body.maxRow - 1
        let cancel = focus == .cancel ? theme[.selection] : theme[.text]
        let apply = focus == .apply ? theme[risk == .destructive ? .error : .selection] : theme[.text]
        var column = body.column
        column = screen.put("[ Cancel ]", at: Point(column: column, row: row), style: cancel, clip: body)
        column = screen.put("   ", at: Point(column: column, row: row), clip: body)
        screen.put("[ Apply ]", at: Point(column: column, row: row), style: apply, clip: body)
        return cursorPoint
    }
}
