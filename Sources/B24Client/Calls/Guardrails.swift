import B24Catalog
import B24Wire

/// The offline guardrails, as a pure check: method name, allowlist (each command of a batch too), risk,
/// read-only profile and run, confirmations and the plan rule. Nothing is sent, stored or printed.
public enum Guardrails {
    /// A call that passed: the request with the method name the portal runs (no `.json`, no trailing `/`), which
    /// is what policy, budget and history see, and its risk.
    public struct Checked: Sendable {
        public var request: CallRequest
        public var risk: RiskClass
    }

    /// Checks a call. Throws ``B24Error/usage(_:)`` for malformed input and ``B24Error/refused(_:)`` for a
    /// guardrail; `forPlan` skips the confirmation and plan rules (a plan is made before they apply).
    public static func check(_ request: CallRequest, profile: Profile, options: ClientOptions, policy: AllowPolicy,
                             catalog: Catalog, forPlan: Bool = false) throws -> Checked
    {
        var request = request
        request.method = try RequestBuilder.normalizedMethodName(request.method)
        guard case .object = request.params else {
            throw B24Error.usage("parameters must be a JSON object, not \(request.params.kindName)")
        }
        if !(request.discovery && B24Client.discoveryMethods.contains(request.method)) {
            try checkAllowed(request.method, policy: policy, catalog: catalog)
        }
        if request.method.lowercased() == "batch" {
            for command in batchCommandStrings(request.params) {
                let raw = String(command.split(separator: "?", maxSplits: 1).first ?? "")
                let method = try RequestBuilder.normalizedMethodName(raw)
                if method.lowercased() == "batch" {
                    throw B24Error.refused(Refusal(gate: .nestedBatch, method: "batch"))
                }
                try checkAllowed(method, policy: policy, catalog: catalog)
            }
        }
        let risk = risk(of: request.method, params: request.params, catalog: catalog)
        guard risk.mayChangeData else { return Checked(request: request, risk: risk) }
        func refuse(_ gate: Refusal.Gate, _ remedy: Refusal.Remedy? = nil, profile name: String? = nil) -> B24Error {
            .refused(Refusal(gate: gate, method: request.method, risk: risk, remedy: remedy, profile: name))
        }
        if profile.readOnly { throw refuse(.readOnlyProfile, profile: profile.name) }
        if options.readOnly { throw refuse(.readOnlyRun) }
        if forPlan { return Checked(request: request, risk: risk) }
        if risk == .destructive, !request.confirmDestructive { throw refuse(.confirmation, .confirmDestructive) }
        if risk != .destructive, !(request.confirmWrite || request.confirmDestructive) {
            throw refuse(.confirmation, .confirmWrite)
        }
        if options.requirePlan || profile.requirePlan, request.planID == nil { throw refuse(.planRequired, .makePlan) }
        return Checked(request: request, risk: risk)
    }

    /// The risk of a call: from the catalog, else by verb; a batch takes the highest risk of its commands.
    public static func risk(of method: String, params: JSONValue, catalog: Catalog) -> RiskClass {
        if MethodName.canonical(method).lowercased() == "batch" {
            return catalog.risk(ofBatch: batchCommandStrings(params))
        }
        return catalog.risk(of: method)
    }

    /// The `cmd` strings of batch parameters, whether `cmd` is a map or a list (PHP reads both).
    static func batchCommandStrings(_ params: JSONValue) -> [String] {
        (params.member(caseInsensitive: "cmd")?.objectValue ?? [:]).values.map { $0.stringValue ?? "" }
    }

    private static func checkAllowed(_ method: String, policy: AllowPolicy, catalog: Catalog) throws {
        guard !policy.allows(method) else { return }
        let packs = catalog.packs(containing: method).map(\.name)
        throw B24Error.refused(Refusal(
            gate: .notAllowed, method: method, remedy: packs.isEmpty ? .allowMethod(method) : .addPacks(packs),
            selectedPacks: policy.packNames))
    }
}
