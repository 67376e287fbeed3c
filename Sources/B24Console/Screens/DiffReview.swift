import B24Catalog
import B24Client
import B24Wire
import TerminalKit

/// The review of a write, over the form that made it: b24 reads the record and shows old → new; focus starts
/// on Cancel; Apply needs an explicit choice (a destructive call: the record's id or the method name typed; a
/// production profile: the method name typed for every write). Applying re-reads the record: a written field
/// that moved shows the three-way view and nothing is written; after the write each field is marked, and
/// "verified" when all hold. `r` builds the inverse write and reviews it; Ctrl+P saves the review as a plan.
struct DiffReview: Equatable, Sendable {
    enum Phase: Equatable, Sendable {
        /// Reading the record and the field metadata.
        case reading
        /// The diff is on screen, waiting for Apply or Cancel.
        case shown
        /// Re-reading, writing, reading back.
        case applying
        /// A written field moved: nothing was written.
        case stale
        /// The write went out (or was refused); the verification is on screen.
        case done
        /// Something failed before anything was written.
        case failed(String)
    }

    enum Button: Equatable, Sendable { case cancel, apply }

    /// What a key asks the form to do.
    enum Outcome: Equatable {
        case stay, close
        /// Send the reviewed write with these confirmations.
        case apply(confirmWrite: Bool, confirmDestructive: Bool)
        /// Review the inverse write.
        case revert
        /// Store the reviewed write as a plan.
        case savePlan
        /// Read the record again and show a new diff (after a move).
        case reviewAgain
    }

    var request: CallRequest
    var risk: RiskClass
    var production: Bool
    var phase = Phase.reading
    var reviewed: ReviewedWrite?
    var applied: AppliedWrite?
    /// The diff, the three-way view or the verification, as drawn.
    var lines: [[Span]] = []
    var focus = Button.cancel
    var typed = EditableText()
    var offset = 0
    var problem: String?
    var showsHelp = false
    /// Set once the review was saved as a plan.
    var planID: String?

    init(request: CallRequest, risk: RiskClass, production: Bool) {
        self.request = request
        self.risk = risk
        self.production = production
        lines = [[Span("reading the record and its fields…", .muted)]]
    }

    static func == (a: DiffReview, b: DiffReview) -> Bool {
        a.request.method == b.request.method && a.request.params == b.request.params && a.risk == b.risk
            && a.production == b.production && a.phase == b.phase && a.reviewed?.diff == b.reviewed?.diff
            && a.applied?.status == b.applied?.status && a.applied?.verdicts == b.applied?.verdicts
            && a.lines == b.lines && a.focus == b.focus && a.typed == b.typed && a.offset == b.offset
            && a.problem == b.problem && a.showsHelp == b.showsHelp && a.planID == b.planID
    }

    /// What must be typed before Apply works: the record's id or the method name (destructive), the method name
    /// (production). Nil: nothing.
    var mustType: [String]? {
        if risk == .destructive {
            let ids = reviewed?.diff.commands.compactMap(\.recordID) ?? []
            return ids + [request.method]
        }
        return production ? [request.method] : nil
    }

    /// Whether `r` can build an inverse: a single update or add that went through (a delete has no way back).
    var canRevert: Bool {
        guard applied?.succeeded == true, let commands = reviewed?.diff.commands, commands.count == 1 else { return false }
        return commands[0].kind == .update || commands[0].kind == .add
    }

    /// Whether the review still covers `params` (an edit voids it: the diff hash was made for the reviewed ones).
    func covers(_ method: String, _ params: JSONValue, _ version: APIVersion) -> Bool {
        reviewed?.stillMatches(method, params: params, apiVersion: version) ?? false
    }

    // MARK: Answers

    mutating func take(_ result: Result<ReviewedWrite, ConsoleFailure>) {
        switch result {
        case .failure(let failure):
            phase = .failed(failure.message)
            lines = [[Span("nothing was written: " + failure.message, .error)]]
        case .success(let reviewed):
            self.reviewed = reviewed
            request = reviewed.request
            risk = reviewed.diff.risk
            phase = .shown
            focus = .cancel
            typed = EditableText()
            offset = 0
            lines = Self.diffLines(reviewed.diff)
        }
    }

    mutating func take(_ applied: AppliedWrite) {
        self.applied = applied
        switch applied.status {
        case .stale:
            phase = .stale
            lines = DiffText.moved(applied.moved).map { [Span($0, $0.hasPrefix("moved") ? .error : .text)] }
                + [[Span("enter reads the record again and shows a new diff; esc closes", .muted)]]
        case .nothingToSend:
            phase = .done
            lines = [[Span("nothing to send: every value is already there", .success)]]
        case .sent:
            phase = .done
            var result: [[Span]] = []
            switch applied.outcome?.result {
            case .success?:
                result.append([Span("written" + (applied.createdID.map { ": created record \($0)" } ?? ""), .success)])
            case .failure(let error)?: result.append([Span("not written: " + ConsoleWords.error(error), .error)])
            case nil: break
            }
            for line in DiffText.verification(applied) {
                let role: ThemeRole = line.hasPrefix("verified") || line.hasSuffix(": applied") ? .success
                    : line.contains("ignored") || line.contains("someone else") || line.hasPrefix("not verified") ? .warning : .text
                result.append([Span(line, role)])
            }
            lines = result
        }
        offset = 0
    }

    /// The diff as styled lines: deletions red, additions green, read-only warnings yellow.
    static func diffLines(_ diff: WriteDiff) -> [[Span]] {
        DiffText.lines(diff).enumerated().map { index, text in
            let role: ThemeRole
            if index == 0 { role = .header }
            else if text.contains("(deleted)") || text.contains("DELETE") { role = .error }
            else if text.contains("! read-only") || text.contains("possible duplicates") || text.contains("no preview") { role = .warning }
            else if text.trimmingCharacters(in: .whitespaces).hasPrefix("+ ") || text.contains(": + ") { role = .success }
            else if text.contains("unchanged") || text.hasPrefix("  payload") { role = .muted }
            else { role = .text }
            return [Span(text, role)]
        }
    }

    // MARK: Keys

    mutating func key(_ key: KeyEvent) -> Outcome {
        if showsHelp {
            showsHelp = false
            return .stay
        }
        switch key.key {
        case .up: offset = max(0, offset - 1); return .stay
        case .down: offset = min(max(0, lines.count - 1), offset + 1); return .stay
        case .pageUp: offset = max(0, offset - 10); return .stay
        case .pageDown: offset = min(max(0, lines.count - 1), offset + 10); return .stay
        default: break
        }
        switch phase {
        case .reading, .applying:
            return key.key == .escape ? .close : .stay
        case .failed:
            return key.key == .escape || key.key == .enter ? .close : .stay
        case .stale:
            if key.key == .enter { return .reviewAgain }
            return key.key == .escape ? .close : .stay
        case .done:
            if key.typedCharacter == "r", canRevert { return .revert }
            if key.typedCharacter == "?" { showsHelp = true; return .stay }
            return key.key == .escape || key.key == .enter ? .close : .stay
        case .shown:
            return shownKey(key)
        }
    }

    private mutating func shownKey(_ key: KeyEvent) -> Outcome {
        if key == .ctrl("p") { return reviewed?.diff.changesNothing == true ? .stay : .savePlan }
        switch key.key {
        case .escape: return .close
        case .tab, .backTab: focus = focus == .cancel ? .apply : .cancel
        case .left, .right:
            if mustType == nil { focus = focus == .cancel ? .apply : .cancel } else { typed.handle(key) }
        case .enter:
            guard focus == .apply else { return .close }
            if reviewed?.diff.changesNothing == true {
                problem = "nothing to send: every value is already there"
                return .stay
            }
            if let mustType, !mustType.contains(typed.text.trimmingCharacters(in: .whitespaces)) {
                problem = "type \(mustType.joined(separator: " or ")) to apply"
                return .stay
            }
            return .apply(confirmWrite: true, confirmDestructive: risk == .destructive)
        default:
            if mustType != nil {
                if typed.handle(key) { problem = nil }
            } else if key.typedCharacter == "?" {
                showsHelp = true
            }
        }
        return .stay
    }

    /// The keys, in words (`?`).
    static let help: [String] = [
        "tab, ← →   switch between Cancel and Apply (focus starts on Cancel)",
        "enter      choose: Apply writes, Cancel leaves without writing",
        "esc        cancel: nothing is written",
        "ctrl+p     save plan: store this reviewed write to run later (refused if the record moves)",
        "r          revert (after a write): review the write that restores the old values",
        "↑ ↓        scroll the diff",
    ]
}
