import B24Catalog
import B24Client
import B24Wire
import Foundation
import TerminalKit

/// `:plan ID`: a stored plan reviewed before it runs. Its fields are read again first: a plan whose written fields
/// moved since its review shows the three-way view and cannot run; otherwise its diff is shown in a
/// ``DiffReview`` and Apply runs it once (then reads it back). `r` after the run reviews the revert, a plain write.
struct PlanScreen: ConsoleScreen, Equatable {
    let id: String
    var review: DiffReview
    /// False once the review shows a revert: Apply then sends that write, not the plan.
    var runsPlan = true

    init(id: String, _ app: ConsoleState) {
        self.id = id
        review = DiffReview(request: CallRequest(method: "plan \(id)"), risk: .write, production: app.connection?.production == true)
        review.lines = [[Span("reading plan \(id) and the records it writes…", .muted)]]
    }

    var route: Route { .plan(id) }
    var takesText: Bool { review.phase == .shown && review.mustType != nil }

    mutating func opened(_ app: ConsoleState) -> [Effect] {
        [.stream(.mine("review"), .reviewPlan(id))]
    }

    mutating func key(_ action: KeyAction?, _ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        if key == .ctrl("c") { return .ignored }
        switch review.key(key) {
        case .stay, .savePlan:
            return .handled([])
        case .close:
            return .handled([.cancel(.mine("review")), .cancel(.mine("apply")), .run(.back)])
        case .apply(let confirmWrite, let confirmDestructive):
            guard let reviewed = review.reviewed else { return .handled([]) }
            review.phase = .applying
            review.lines = [[Span(runsPlan ? "running plan \(id) and reading it back…" : "writing and reading it back…", .muted)]]
            let spec: StreamSpec = runsPlan
                ? .applyPlan(id, reviewed, confirmWrite: confirmWrite, confirmDestructive: confirmDestructive)
                : .applyReview(reviewed, confirmWrite: confirmWrite, confirmDestructive: confirmDestructive,
                               idempotencyKey: UUID().uuidString)
            return .handled([.stream(.mine("apply"), spec)])
        case .revert:
            guard let reviewed = review.reviewed, let applied = review.applied else { return .handled([]) }
            runsPlan = false
            review = DiffReview(request: reviewed.request, risk: reviewed.diff.risk, production: review.production)
            review.lines = [[Span("building the inverse write and reading the record…", .muted)]]
            return .handled([.stream(.mine("review"), .reviewRevert(reviewed, applied))])
        case .reviewAgain:
            review.phase = .reading
            review.lines = [[Span("reading plan \(id) again…", .muted)]]
            return .handled([.stream(.mine("review"), .reviewPlan(id))])
        }
    }

    mutating func update(_ id: EffectID, _ answer: Answer, _ app: ConsoleState) -> [Effect] {
        switch (id.name, answer) {
        case ("review", .streamed(.reviewed(let result))):
            review.take(result)
        case ("review", .streamed(.applied(let stale))), ("apply", .streamed(.applied(let stale))):
            review.take(stale)
            if stale.verified { return [.status(StatusMessage("plan \(self.id): verified"))] }
        case ("review", .ended(let failure?)), ("apply", .ended(let failure?)):
            review.take(.failure(ConsoleFailure(failure)))
        default:
            break
        }
        return []
    }

    func render(into screen: inout Screen, rect: Rect, _ app: ConsoleState) -> Point? {
        screen.put("plan \(id)", at: rect.origin, style: app.theme[.title], clip: rect)
        screen.put("a stored call, reviewed again before it runs once", at: Point(column: rect.column, row: rect.row + 1),
                   style: app.theme[.muted], clip: rect)
        return review.render(into: &screen, area: rect, theme: app.theme, connection: app.connection)
    }

    func hints(_ app: ConsoleState) -> [KeyHint] { [] }
}
