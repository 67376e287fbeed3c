import B24Client

/// How the console says what went wrong. The client's messages are written for the command line (they name
/// flags such as `--confirm-write`); a console user confirms in a review, picks packs in a profile, and so on.
enum ConsoleWords {
    /// A guardrail's refusal in the console's own words: what was refused and what would let it through.
    static func refusal(_ refusal: Refusal) -> String {
        let method = refusal.method
        let risk = refusal.risk.map { "\($0)" } ?? "write"
        switch refusal.gate {
        case .notAllowed:
            let selected = refusal.selectedPacks.isEmpty ? "no pack" : "the packs " + refusal.selectedPacks.joined(separator: ", ")
            switch refusal.remedy {
            case .addPacks(let packs)?:
                return "\(method) is not in \(selected); it belongs to pack \(packs.joined(separator: " or ")): add that pack to the profile"
            default:
                return "\(method) is not in \(selected) nor in the profile's method allowlist: add it to the allowlist"
            }
        case .readOnlyProfile:
            return "\(method) would change data (\(risk)) and " + (refusal.profile.map { "profile \($0)" } ?? "this profile") + " is read-only"
        case .readOnlyRun:
            return "\(method) would change data (\(risk)) and this console was started read-only"
        case .confirmation:
            // A console user confirms in the form's review, never by a flag.
            let what = refusal.remedy == .confirmDestructive ? "deletes data" : "changes data (\(risk))"
            return "\(method) \(what): it is sent only after you confirm the payload — e opens it in its form, ctrl+g sends"
        case .planRequired:
            return "this profile runs writes from reviewed plans only: save \(method) as a plan, review it, then run the plan"
        case .nestedBatch:
            return "a batch cannot contain another batch (the portal refuses it)"
        case .operatingBudget:
            var seconds = 0
            if case .waitForReset(let wait)? = refusal.remedy { seconds = wait }
            return "\(method) has used its operating-time budget (OPERATION_TIME_LIMIT); it resets in \(seconds) s"
        case .stalePlan:
            let names = refusal.moved.map(\.code).joined(separator: ", ")
            return "the plan is stale: \(names) changed on the portal since it was reviewed; nothing was written — review the call again"
        }
    }

    /// Any call error as the console shows it: refusals and portal errors in the console's words, everything else
    /// as the client says it (already masked).
    static func error(_ error: B24Error) -> String {
        switch error {
        case .refused(let refusal): return "blocked: " + Self.refusal(refusal)
        case .portal(let portal): return Self.portal(portal)
        default: return error.message
        }
    }

    /// A portal error: code, HTTP status, the portal's words, and what to do (the words of ``ErrorCatalog``; the
    /// step view adds the key that does it).
    static func portal(_ error: PortalError) -> String {
        error.line(advice: ErrorCatalog.explain(error)?.action)
    }
}
