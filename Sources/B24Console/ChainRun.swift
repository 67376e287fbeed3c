import B24Catalog
import B24Client
import B24Wire
import Foundation

/// Which step of which chain run a form or a call belongs to; its calls carry ``group`` into history.
public struct ChainStepRef: Hashable, Sendable {
    public var runID: String
    /// The step's number from 0.
    public var step: Int
    /// What history shows for the call: "chain core.lead-intake · run 3f2a91 · step 1/3".
    public var group: String
}

/// A chain run step by step (`o` on a chain): each step opens its form prefilled from what earlier steps brought
/// (``ChainBindings``: the new lead's id flows into the next step), the user reviews and sends it (a write through
/// its review), inspects the answer, then goes on (`>` / F7), skips (`S` / F8) or stops (`:chain stop`). The run
/// keeps a record of its steps, and its calls share a group in history.
public struct ChainRun: Equatable, Sendable {
    public let chainID: String
    public let runID: String
    /// Each step's method (the first the step names), nil for a step done outside the portal.
    public let methods: [String?]
    public let notes: [String]
    /// The step on screen, from 0.
    public var step = 0
    public var records: [StepRecord]
    var bindings = ChainBindings()

    /// What became of a step.
    public enum StepRecord: Equatable, Sendable {
        case pending
        /// Sent: the call's id in history and its status.
        case sent(callID: String, status: String)
        case skipped
        /// Done outside the portal (no method).
        case manual
    }

    init(chain: Chain, runID: String = String(UUID().uuidString.lowercased().prefix(6))) {
        chainID = chain.id
        self.runID = runID
        methods = chain.steps.map(\.methods.first)
        notes = chain.steps.map(\.note)
        records = Array(repeating: .pending, count: chain.steps.count)
    }

    func ref(_ step: Int) -> ChainStepRef {
        ChainStepRef(runID: runID, step: step, group: "chain \(chainID) · run \(runID) · step \(step + 1)/\(methods.count)")
    }

    /// True once every step was sent, skipped or passed: the run's record stays for the chain's page.
    public var isOver: Bool { step >= methods.count }

    /// "2 sent, 1 skipped, 1 to go".
    public var summary: String {
        let sent = records.filter { if case .sent = $0 { return true } else { return false } }.count
        let skipped = records.filter { $0 == .skipped }.count
        let pending = records.filter { $0 == .pending }.count
        return "\(sent) sent, \(skipped) skipped" + (pending > 0 ? ", \(pending) to go" : "")
    }
}

/// What the chain runner is asked to do.
public enum ChainCommand: Equatable, Sendable {
    case start(String)
    /// A step's call finished (the inspector tells it, once per send).
    case stepDone(ChainStepRef, method: String, params: JSONValue, envelope: JSONValue?, callID: String, status: String)
    case next, skip, stop
}

/// Runs a chain command against the root state.
func runChain(_ state: inout ConsoleState, _ command: ChainCommand) -> [Effect] {
    switch command {
    case .start(let id):
        guard let chain = state.catalog.chain(id: id) else {
            state.status = StatusMessage("unknown chain \(id)", kind: .error)
            return []
        }
        guard chain.steps.contains(where: { !$0.methods.isEmpty }) else {
            state.status = StatusMessage("chain \(id) has no step that calls the portal", kind: .warning)
            return []
        }
        state.chainRun = ChainRun(chain: chain)
        return openStep(&state)
    case .stepDone(let ref, let method, let params, let envelope, let callID, let status):
        guard var run = state.chainRun, run.runID == ref.runID, ref.step < run.records.count else { return [] }
        run.records[ref.step] = .sent(callID: callID, status: status)
        if let envelope, status == "ok" { run.bindings.learn(method: method, params: params, envelope: envelope) }
        state.chainRun = run
        let last = ref.step + 1 >= run.methods.count
        let next = last ? "> ends the run" : "> goes on to step \(ref.step + 2), S skips that step"
        state.status = StatusMessage("chain \(run.chainID) · step \(ref.step + 1) \(status == "ok" ? "done" : "ended \(status)"): \(next), :chain stop stops",
                                     kind: status == "ok" ? .info : .warning)
        return []
    case .next, .skip:
        guard var run = state.chainRun, !run.isOver else {
            state.status = StatusMessage("no chain is running: o on a chain runs it step by step", kind: .warning)
            return []
        }
        // On a step's answer, "skip" passes over the step after it; on an unsent step's form, it passes this one.
        if command == .skip, run.records[run.step] != .pending, run.step + 1 < run.records.count { run.step += 1 }
        if run.records[run.step] == .pending { run.records[run.step] = .skipped }
        run.step += 1
        state.chainRun = run
        return openStep(&state)
    case .stop:
        guard let run = state.chainRun, !run.isOver else {
            state.status = StatusMessage("no chain is running", kind: .warning)
            return []
        }
        // The record stays for the chain's page: the steps left are marked as not run.
        var stopped = run
        stopped.records = stopped.records.map { $0 == .pending ? .skipped : $0 }
        stopped.step = stopped.methods.count
        state.chainRun = stopped
        state.status = StatusMessage("chain \(run.chainID) stopped: \(run.summary); history shows its calls as run \(run.runID)")
        return []
    }
}

/// Opens the form of the run's current step (steps done outside the portal are noted and passed), or ends the run.
private func openStep(_ state: inout ConsoleState) -> [Effect] {
    guard var run = state.chainRun else { return [] }
    while run.step < run.methods.count, run.methods[run.step] == nil {
        run.records[run.step] = .manual
        run.step += 1
    }
    guard run.step < run.methods.count, let method = run.methods[run.step] else {
        // Over: back on the chain's page, which shows what became of each step.
        state.chainRun = run
        let effects = jump(&state, .chain(run.chainID))
        state.status = StatusMessage("chain \(run.chainID) done: \(run.summary); history shows its calls as run \(run.runID)")
        return effects
    }
    state.chainRun = run
    let params = run.bindings.prefill(method)
    var seed = FormSeed(method: method, params: params.isEmpty ? nil : .object(params))
    seed.chainStep = run.ref(run.step)
    let effects = open(&state, .form(seed))
    let missing = run.bindings.missing(method).map { " (\($0))" } ?? ""
    state.status = StatusMessage("chain \(run.chainID) · step \(run.step + 1) of \(run.methods.count): \(run.notes[run.step])\(missing) — ctrl+g sends, F8 skips",
                                 kind: missing.isEmpty ? .info : .warning)
    return effects
}
