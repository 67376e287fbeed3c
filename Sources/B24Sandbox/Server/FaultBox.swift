/// Deterministic injected faults (next N matching calls) and seeded random faults from the spec.
final class FaultBox: @unchecked Sendable {
    private struct Injection { var fault: Fault; var method: String?; var remaining: Int; var passing: Int }
    private struct State { var injections: [Injection] = []; var random: SeededRandom }

    private let spec: FaultSpec
    private let state: Locked<State>

    init(spec: FaultSpec, seed: UInt64) {
        self.spec = spec
        state = Locked(State(random: SeededRandom(seed: seed ^ 0xFA17)))
    }

    /// Queues `fault` for `count` calls of `method` (nil: any), after letting `after` matching calls through.
    func inject(_ fault: Fault, method: String?, count: Int, after: Int = 0) {
        guard count > 0 else { return }
        state.withLock {
            $0.injections.append(Injection(fault: fault, method: method?.lowercased(), remaining: count, passing: max(0, after)))
        }
    }

    /// The fault to apply to a call of `method`, if any: injected ones first, then a random roll.
    func next(method: String) -> Fault? {
        state.withLock { state in
            if let index = state.injections.firstIndex(where: { $0.method == nil || $0.method == method }) {
                if state.injections[index].passing > 0 {
                    state.injections[index].passing -= 1
                    return nil
                }
                let fault = state.injections[index].fault
                state.injections[index].remaining -= 1
                if state.injections[index].remaining <= 0 { state.injections.remove(at: index) }
                return fault
            }
            guard !spec.entries.isEmpty else { return nil }
            for entry in spec.entries where state.random.unit() < entry.probability { return entry.fault }
            return nil
        }
    }
}
