@testable import B24Client
@testable import B24Console
import B24Catalog
import B24Wire
import TerminalKit
import Testing

/// Generated methods, entry paths and key sequences through the console: a write leaves it only as the apply of
/// the review on screen, never as a plain call, and never after an edit voided that review.
@Suite("Property: the console writes only through a current review")
struct ReviewPropertyTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    enum Path: CaseIterable { case form, palette, replay }

    static let keys: [KeyEvent] = [.tab, .backTab, .enter, .enter, .escape, .left, .right, .char("7"), .char("x"),
                                   .ctrl("g"), .ctrl("p"), .char("r"), .char("?"), .up, .down]

    @Test func noWriteLeavesTheConsoleExceptAsTheApplyOfTheReviewOnScreen() {
        var generator = Generator(state: 0x0B24_D1FF)
        let names = Catalog.bundled.allMethods.filter { $0.risk.mayChangeData && $0.name != "batch" }.map(\.name)
            + ["crm.lead.update", "crm.lead.delete", "crm.contact.update", "crm.deal.delete", "vendor.thing.update", "x.remove"]
        var applies = 0
        for round in 0..<150 {
            var state = Fixture.connected(production: generator.next() % 4 == 0)
            let method = generator.pick(names)
            let risk = Guardrails.risk(of: method, params: .emptyObject, catalog: .bundled)
            let params: JSONValue = ["id": 7, "fields": ["TITLE": .string("t\(round)")]]
            var effects: [Effect]
            switch generator.pick(Path.allCases) {
            case .form: effects = Fixture.apply(&state, .open(.form(FormSeed(method: method, params: params))))
            case .palette: effects = Fixture.apply(&state, .command("call \(method) \(JSONWriter.compact(params))"))
            case .replay: effects = Fixture.apply(&state, .open(.call(method: method, params: params)))
            }
            // The hash of the review on screen, and whether the form was edited since it was made.
            var shownHash: String?
            var editedSinceReview = false
            for step in 0..<14 {
                for effect in effects {
                    switch effect {
                    case .call(_, let request), .stream(_, .observedCall(let request)):
                        #expect(!Guardrails.risk(of: request.method, params: request.params, catalog: .bundled).mayChangeData,
                                "round \(round): \(request.method) left as a plain call")
                    case .stream(let id, .review(let request)):
                        let record: JSONValue = ["ID": "7", "TITLE": "old"]
                        let command = DiffEngine.diff(DiffEngine.Input(
                            method: request.method, params: request.params, effect: ReadTargets.effect(of: request.method), record: record))
                        let reviewed = ReviewedWrite(request: request, diff: WriteDiff(
                            method: request.method, risk: risk, commands: [command], hash: B24Client.diffHash(request, [command])))
                        shownHash = reviewed.diff.hash
                        editedSinceReview = false
                        _ = reduce(&state, .answered(id, .streamed(.reviewed(.success(reviewed)))))
                    case .stream(_, .applyReview(let reviewed, let confirmWrite, let confirmDestructive, _)):
                        applies += 1
                        #expect(reviewed.diff.hash == shownHash, "round \(round): applied a review that was not on screen")
                        #expect(!editedSinceReview, "round \(round): applied after an edit voided the review")
                        #expect(confirmWrite && (risk != .destructive || confirmDestructive))
                        var model = state.form?.model
                        if let current = model?.validated() {
                            #expect(reviewed.stillMatches(method, params: current, apiVersion: .v2), "round \(round): the form differs from the review")
                        }
                    default:
                        break
                    }
                }
                let key = step == 0 ? KeyEvent.ctrl("g") : generator.pick(Self.keys)
                let reviewOpen = state.form?.review != nil
                effects = Fixture.keys(&state, key)
                // A key that reached the form itself (no review over it) may have changed its values.
                if !reviewOpen, state.form != nil, key.typedCharacter != nil || key.key == .backspace { editedSinceReview = true }
                if state.form?.review == nil, !reviewOpen { shownHash = editedSinceReview ? nil : shownHash }
            }
        }
        // The generator reaches Apply often enough for the checks above to mean something.
        #expect(applies > 5, "only \(applies) applies were generated")
    }
}
