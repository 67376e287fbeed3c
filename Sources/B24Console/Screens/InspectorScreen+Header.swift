import B24Catalog
import B24Client
import B24Wire
import Foundation
import TerminalKit

/// The inspector's header, key hints and the cURL form of a call.
extension InspectorScreen {
    func hints(_ app: ConsoleState) -> [KeyHint] {
        let km = app.keymap
        if asksSecretCopy { return secretCopyHints }
        if search?.editing == true || filter?.editing == true {
            return [KeyHint("type", search != nil ? "search" : "path"), KeyHint("enter", "confirm"), KeyHint("esc", "clear"),
                    KeyHint("↑↓", "move")]
        }
        var hints = [KeyHint(arrowsLabel(km), "move")]
        if fetch?.state == .running { hints.append(KeyHint(keyLabel(km, .cancel), "cancel fetch")) }
        if outcome == nil, live != nil { hints.append(KeyHint(keyLabel(km, .cancel), "cancel call")) }
        if live != nil || finishedTrace != nil { hints.append(KeyHint(keyLabel(km, .stepView), showsSteps ? "result" : "steps")) }
        if outcome != nil, outcome?.status != "ok" || showsSteps || answeredEmpty { hints.append(KeyHint(keyLabel(km, .diagnose), "diagnose")) }
        if body == .tree { hints.append(KeyHint("←→", "fold")) }
        hints.append(KeyHint(keyLabel(km, .search), "search"))
        if search?.searched != nil { hints.append(KeyHint(keyLabel(km, .nextHit) + "/" + keyLabel(km, .previousHit), "hit")) }
        hints.append(KeyHint(keyLabel(km, .pathFilter), "filter"))
        if outcome?.envelope?["next"] != nil {
            hints.append(KeyHint(keyLabel(km, .nextPage), "next page"))
            if fetch == nil || fetch?.state != .running && fetch?.state != .done {
                hints.append(KeyHint(keyLabel(km, .fetchAll), fetch == nil ? "all pages" : "fetch the rest"))
            }
        }
        hints += [KeyHint(keyLabel(km, .rawView), showsRaw ? "tree" : "raw"), KeyHint(keyLabel(km, .copyValue), "copy"),
                  KeyHint(keyLabel(km, .copyCurl), "cURL"), KeyHint(keyLabel(km, .copyCommand), "b24 call"),
                  KeyHint(keyLabel(km, .editInForm), "edit"), KeyHint(keyLabel(km, .refresh), "resend"), KeyHint(keyLabel(km, .back), "back")]
        return hints
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        let theme = app.theme
        let title = method.isEmpty ? "reading call \(storedID ?? "") from history…"
            : "call " + method + (storedID == nil ? "" : "  (from history; F5 sends it again)")
        screen.put(title, at: rect.origin, style: theme[.title], clip: rect)
        let header = rect.inset(top: 1).splitTop(max(0, rect.height - 5)).0
        let next = Facts(rows: facts(width: header.width), labelWidth: 9).render(into: &screen, rect: header, theme: theme)
        var list = Rect(column: rect.column, row: next, width: rect.width, height: rect.maxRow - next)
        var cursor: Point?
        if search != nil || filter != nil {
            let (line, rest) = list.splitTop(1)
            cursor = drawToolLine(into: &screen, rect: line, theme: theme)
            list = rest
        }
        // Rows are made by index for the lines on screen only: the body never exists as a whole.
        let body = self.body
        let steps = body == .steps ? stepLines(width: list.width) : []
        LazyList(title: bodyTitle, count: body == .steps ? steps.count : bodyCount, scroll: nav.cursor, focused: true) { position in
            switch body {
            case .tree: return treeRow(position)
            case .raw: return ListRow([Span(raw?.line(position) ?? "")])
            case .filtered: return filteredRow(position)
            case .steps: return stepRow(position, lines: steps)
            }
        }.render(into: &screen, rect: list, theme: theme)
        return cursor
    }

    /// The list's title: what it shows.
    var bodyTitle: String {
        switch body {
        case .tree: return outcome?.envelope != nil ? "Result" : "Request"
        case .raw: return "Raw"
        case .filtered: return "Filter \(filter?.applied ?? "")"
        case .steps: return outcome == nil ? "Steps (live)" : "Steps"
        }
    }

    /// The search or filter line: the text being typed (or kept), and on the right the count and the keys.
    private func drawToolLine(into screen: inout Screen, rect: Rect, theme: Theme) -> Point? {
        let note = toolNote
        let noteWidth = min(displayWidth(note) + 2, rect.width / 2)
        let (fieldRect, noteRect) = rect.splitLeft(rect.width - noteWidth)
        let field = search.map {
            FormField(label: "Search", value: $0.query, placeholder: "text in names and values", isFocused: $0.editing)
        } ?? FormField(label: "Filter", value: filter?.pattern ?? EditableText(), placeholder: "a path: result.*.TITLE",
                       isFocused: filter?.editing == true)
        let cursor = field.render(into: &screen, rect: fieldRect, theme: theme)
        screen.fill(noteRect, style: theme[.text])
        screen.put(truncate(note, toWidth: max(0, noteRect.width - 1)), at: Point(column: noteRect.column + 1, row: noteRect.row),
                   style: theme[.muted], clip: noteRect)
        return cursor
    }

    /// Status first (it must always show), then what was sent (cut to two lines: the tree and the raw view hold
    /// all of it), then what the portal said about time and paging.
    func facts(width: Int = 80) -> [(label: String, value: [Span])] {
        var rows: [(String, [Span])] = []
        if let outcome {
            let role: ThemeRole = outcome.status == "ok" ? .success : (outcome.status == "partial" ? .warning : .error)
            var took = formatDuration(outcome.duration) + "   " + counted(outcome.attempts, "attempt")
            if outcome.waited > 0.01 { took += "   waited " + formatDuration(outcome.waited) }
            rows.append(("Status", [Span(outcome.status, role), Span("   " + took, .muted)]))
            if let error = outcome.error { rows.append(("Error", [Span(error, .error)])) }
        } else if !method.isEmpty {
            rows.append(("Status", [Span("running… ", .warning), Span(progress(), .muted)]))
        }
        if let recordedProfile {
            let when = recordedAt.map { " at " + Self.utcDateTime.string(from: $0) + " UTC" } ?? ""
            rows.append(("Recorded", [Span("on profile \(recordedProfile)\(when), \(apiVersion == .v3 ? "REST 3.0" : "REST v2")", .muted)]))
        }
        rows.append(("Params", [Span(truncate(JSONWriter.compact(params), toWidth: max(10, (width - 10) * 2)), .muted)]))
        guard let envelope = outcome?.envelope else { return rows }
        if let note = envelope["b24_history_note"]?.stringValue { rows.append(("Stored", [Span(note, .warning)])) }
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
        if let progress = fetchFact(width: width) { rows.append(("All pages", progress)) }
        return rows
    }

    /// "14:53:48": the time of day of an operating-time reset.
    static let utcTime = utcFormatter("HH:mm:ss")
    /// "2026-12-03 14:53:48": when a call from history was made.
    static let utcDateTime = utcFormatter("yyyy-MM-dd HH:mm:ss")


    /// What the running call is doing, from its latest event.
    func progress() -> String {
        for event in events.reversed() {
            switch event {
            case .waiting(let wait): return "waiting \(formatDuration(wait.seconds)) \(wait.detail)"
            case .attemptStarted(let number): return "attempt \(number) sent"
            case .refreshStarted: return "refreshing the access token"
            case .attemptAnswered(let number, let status, let code, _, _):
                return "attempt \(number): " + (status.map { "HTTP \($0)" } ?? "no answer") + (code.map { " \($0)" } ?? "")
            default: continue
            }
        }
        return ""
    }

    /// The request as a cURL command, made from the recorded request, whose webhook code, tokens and secrets are
    /// already masked: paste it to see the shape, put the secret back (the `****` in the URL, or in `auth` for an
    /// application) to run it.
    /// `revealed`: the request carries its real secret (the URL's code or the body's `auth`): no placeholder.
    static func curl(_ request: CallTrace.RequestRecord, revealed: Bool = false) -> String {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var parts = ["curl", "-sS", "-X", request.httpMethod, quoted(request.url)]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { parts += ["-H", quoted("\(name): \(value)")] }
        if request.httpMethod != "GET" {
            var body = request.params
            // An application's token travels in the body; the recorded request leaves it out (masked in the URL
            // for a webhook): a placeholder shows where it goes.
            if !revealed, !request.url.contains("/****/"), case .object(var object) = body, object["auth"] == nil {
                object["auth"] = "****"
                body = .object(object)
            }
            parts += ["-H", quoted("Content-Type: application/json"), "--data-raw", quoted(JSONWriter.compact(body))]
        }
        return parts.joined(separator: " ")
    }
}
