import B24Catalog

/// A call refused by a guardrail before anything was sent, as data: which gate, what would let it through.
///
/// The CLI renders it as flags (``cliText``); a console says the same in its own words from the fields, so every
/// fact a person needs (method, risk, packs, profile, seconds) is here.
public struct Refusal: Sendable, Equatable {
    /// Which guardrail refused.
    public enum Gate: String, Sendable, Equatable {
        /// The method is outside the selected packs and allowlists.
        case notAllowed
        /// The profile is read-only and the call may change data.
        case readOnlyProfile
        /// This run (or session) is read-only and the call may change data.
        case readOnlyRun
        /// A write or destructive call was not confirmed.
        case confirmation
        /// Writes must run from a reviewed plan here.
        case planRequired
        /// A batch carried another batch (the portal refuses it).
        case nestedBatch
        /// The method's operating-time budget is spent for longer than the client may wait.
        case operatingBudget
        /// A plan made from a reviewed diff, whose written fields moved on the portal since the review.
        case stalePlan
    }

    /// What would let the call through.
    public enum Remedy: Sendable, Equatable {
        /// Select one of these packs (each contains the method).
        case addPacks([String])
        /// Allow the method by name (no pack contains it).
        case allowMethod(String)
        /// Confirm the write.
        case confirmWrite
        /// Confirm the destructive call.
        case confirmDestructive
        /// Store the call as a plan, review it, then execute the plan.
        case makePlan
        /// Wait for the operating-time budget to reset, or allow a longer wait.
        case waitForReset(seconds: Int)
    }

    public var gate: Gate
    /// The method refused (inside a batch: the command's method).
    public var method: String
    /// The call's risk, when the gate depends on it.
    public var risk: RiskClass?
    public var remedy: Remedy?
    /// The packs selected for the client (for ``Gate/notAllowed``).
    public var selectedPacks: [String]
    /// The read-only profile's name (for ``Gate/readOnlyProfile``).
    public var profile: String?
    /// The written fields that moved since the review: seen, now, would write (for ``Gate/stalePlan``).
    public var moved: [MovedField] = []

    public init(gate: Gate, method: String, risk: RiskClass? = nil, remedy: Remedy? = nil,
                selectedPacks: [String] = [], profile: String? = nil)
    {
        self.gate = gate
        self.method = method
        self.risk = risk
        self.remedy = remedy
        self.selectedPacks = selectedPacks
        self.profile = profile
    }

    /// The refusal as the CLI says it, naming the flags that would let the call through (after "blocked: ").
    public var cliText: String {
        let risk = self.risk.map { "\($0)" } ?? "write"
        switch gate {
        case .notAllowed:
            var text = "\(method) is not allowed by the selected packs (\(selectedPacks.isEmpty ? "none" : selectedPacks.joined(separator: ",")))"
            if case .addPacks(let packs)? = remedy, let first = packs.first {
                text += "; it belongs to pack \(packs.joined(separator: "/")): add --packs \(([selectedPacks.first].compactMap { $0 } + [first]).joined(separator: ","))"
            } else {
                text += "; allow it with --method-allowlist '\(method)' or --allow-unlisted"
            }
            return text
        case .readOnlyProfile:
            return "\(method) is a \(risk) call and profile '\(profile ?? "")' is read-only"
        case .readOnlyRun:
            return "\(method) is a \(risk) call and this run is --read-only"
        case .confirmation:
            if remedy == .confirmDestructive { return "\(method) is destructive: add --confirm-destructive to run it" }
            return "\(method) is a \(risk) call: add --confirm-write to run it"
        case .planRequired:
            return "writes need a plan here: run with --plan-only (a batch: b24 call batch --params … --plan-only), review, then --execute-plan ID"
        case .nestedBatch:
            return "a batch cannot contain another batch (the portal refuses nested batch)"
        case .operatingBudget:
            var seconds = 0
            if case .waitForReset(let wait)? = remedy { seconds = wait }
            return "\(method) has used its operating-time budget (OPERATION_TIME_LIMIT); it resets in \(seconds) s — wait, or pass a larger --max-operating-wait"
        case .stalePlan:
            let names = moved.map(\.code).joined(separator: ", ")
            return "the plan is stale: \(names) changed on the portal since the review; nothing was written — review the call again and make a new plan"
        }
    }
}
