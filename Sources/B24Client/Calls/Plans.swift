import B24Catalog
import B24Wire
import Foundation

extension B24Client {
    /// Stores the call as a plan bound to this profile, without calling the portal.
    public func plan(_ request: CallRequest, now: Date = Date()) throws -> StoredPlan {
        let checked = try guardrails(request, forPlan: true)
        let request = checked.request
        if request.method.lowercased() == "batch",
           Guardrails.batchCommandStrings(request.params).count > BatchInput.limit
        {
            throw B24Error.usage("a planned batch holds at most \(BatchInput.limit) commands; split it into several plans")
        }
        let plan = StoredPlan(
            id: StoredPlan.newID(), profile: identity, method: request.method, apiVersion: request.apiVersion,
            params: request.params, risk: checked.risk.rawValue, createdAt: now, expiresAt: now.addingTimeInterval(options.planTTL))
        try store().savePlan(plan)
        return plan
    }

    /// Runs a stored plan once. Confirmation flags still apply to writes.
    public func executePlan(id: String, confirmWrite: Bool, confirmDestructive: Bool, idempotencyKey: String? = nil,
                            observer: CallObserver? = nil) async -> CallOutcome
    {
        // Look first, check the guardrails, and only then use the plan up: a missing --confirm-write must not
        // burn a plan.
        let plan: StoredPlan
        // What a refusal is audited as: the planned call once the plan is found.
        var attempted = CallRequest(method: "plan:\(id)")
        attempted.planID = id
        do {
            guard let stored = try store().plan(id: id) else {
                throw B24Error.policy("no plan with id \(id) (make one with --plan-only)")
            }
            var request = CallRequest(method: stored.method, params: stored.params, apiVersion: stored.apiVersion)
            request.confirmWrite = confirmWrite
            request.confirmDestructive = confirmDestructive
            request.planID = stored.id
            attempted = request
            _ = try checkPolicy(request)
            // A plan from a reviewed diff runs only on the values it was reviewed against.
            if stored.expected != nil, stored.profile == identity, stored.usedAt == nil, stored.expiresAt > Date() {
                let moved = await staleFields(of: stored)
                if !moved.isEmpty {
                    var refusal = Refusal(gate: .stalePlan, method: stored.method, risk: RiskClass(rawValue: stored.risk))
                    refusal.moved = moved
                    throw B24Error.refused(refusal)
                }
            }
            plan = try store().consumePlan(id: id, profile: identity, now: Date())
        } catch {
            return finishEarly(attempted, error, observer: observer)
        }
        var request = CallRequest(method: plan.method, params: plan.params, apiVersion: plan.apiVersion)
        request.confirmWrite = confirmWrite
        request.confirmDestructive = confirmDestructive
        request.planID = plan.id
        request.idempotencyKey = idempotencyKey
        if let hash = plan.diffHash {
            request.review = ReviewStamp(hash: hash, summary: plan.expected?["summary"]?.stringValue ?? "")
        }
        return await call(request, observer: observer)
    }
}
