import B24Catalog
import B24Wire
import Foundation
import GRDB

/// Plans and idempotency keys: the rows that let a write run exactly once.
extension B24Store {
    // MARK: - Plans

    /// Stores a new plan. Fails if a plan with the same id exists.
    public func savePlan(_ plan: StoredPlan) throws {
        try write("cannot save plan \(plan.id)") { db in
            try db.execute(
                sql: """
                    INSERT INTO plans (id, profile, method, api_version, params, risk, created_at, expires_at, used_at,
                                       expected, diff_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    plan.id, plan.profile, plan.method, plan.apiVersion.rawValue, JSONWriter.compact(plan.params),
                    plan.risk, plan.createdAt.timeIntervalSince1970, plan.expiresAt.timeIntervalSince1970,
                    plan.usedAt?.timeIntervalSince1970, plan.expected.map(JSONWriter.compact), plan.diffHash,
                ])
        }
    }

    /// Records the reviewed diff of a plan: the old values it was reviewed against and the diff's hash.
    public func replacePlanReview(_ plan: StoredPlan) throws {
        try write("cannot save the review of plan \(plan.id)") { db in
            try db.execute(
                sql: "UPDATE plans SET expected = ?, diff_hash = ? WHERE id = ? AND used_at IS NULL",
                arguments: [plan.expected.map(JSONWriter.compact), plan.diffHash, plan.id])
        }
    }

    /// A plan by id, used or not, expired or not; nil if unknown.
    public func plan(id: String) throws -> StoredPlan? {
        let row = try read("cannot read plan \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM plans WHERE id = ?", arguments: [Self.normalizedPlanID(id)])
        }
        return try row.map(decodePlan)
    }

    /// Marks a plan as executed and returns it, exactly once.
    ///
    /// The single use is one conditional `UPDATE`, so two processes executing the same plan cannot both win.
    /// Throws `.policy` when the plan is unknown, belongs to another profile, has expired or was already used.
    public func consumePlan(id: String, profile: String, now: Date = Date()) throws -> StoredPlan {
        let planID = Self.normalizedPlanID(id)
        return try write("cannot use plan \(planID)") { db in
            try db.execute(
                sql: """
                    UPDATE plans SET used_at = ?
                    WHERE id = ? AND profile = ? AND used_at IS NULL AND expires_at > ?
                    """,
                arguments: [now.timeIntervalSince1970, planID, profile, now.timeIntervalSince1970])
            let won = db.changesCount == 1
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM plans WHERE id = ?", arguments: [planID]) else {
                throw B24Error.policy("plan \(planID) is unknown (never made on this machine, or purged); run `b24 plan` again")
            }
            let plan = try self.decodePlan(row)
            if won { return plan }
            // The update matched nothing: say which condition failed.
            if plan.profile != profile {
                throw B24Error.policy(
                    "plan \(planID) was made for profile \(plan.profile), not \(profile); plans run only on their own profile")
            }
            if let usedAt = plan.usedAt {
                throw B24Error.policy(
                    "plan \(planID) was already executed at \(Self.timestamp(usedAt)); plans run once, make a new one")
            }
            throw B24Error.policy(
                "plan \(planID) has expired at \(Self.timestamp(plan.expiresAt)); review the call and make a new plan")
        }
    }

    private func decodePlan(_ row: Row) throws -> StoredPlan {
        let id: String = row["id"]
        let usedAt: Double? = row["used_at"]
        var plan = StoredPlan(
            id: id, profile: row["profile"], method: row["method"],
            apiVersion: APIVersion(rawValue: row["api_version"]) ?? .v2,
            params: try parseStored(row["params"], what: "parameters of plan \(id)"), risk: row["risk"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            usedAt: usedAt.map { Date(timeIntervalSince1970: $0) })
        let expected: String? = row["expected"]
        if let expected { plan.expected = try parseStored(expected, what: "old values of plan \(id)") }
        plan.diffHash = row["diff_hash"]
        return plan
    }

    private static func normalizedPlanID(_ id: String) -> String {
        id.trimmingWhitespace.lowercased()
    }

    // MARK: - Idempotency

    /// The stored response for a key of a profile, or nil when there is none or it has expired.
    public func idempotentRecord(key: String, profile: String, now: Date = Date()) throws -> IdempotencyRecord? {
        let row = try read("cannot read idempotency key \(key)") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM idempotency WHERE profile = ? AND key = ? AND expires_at > ? AND state = 'done'",
                arguments: [profile, key, now.timeIntervalSince1970])
        }
        guard let row else { return nil }
        return try idempotencyRecord(row, key: key)
    }

    /// Claims a key for a write about to be sent. Only one caller on the machine wins a key: the others learn
    /// whether its answer is stored (replay it), whether it is still running or ended with an unknown outcome
    /// (do not send it again), or whether the key belongs to another call.
    public func claimIdempotencyKey(key: String, profile: String, method: String, paramsHash: String,
                                    ttl: TimeInterval, now: Date = Date()) throws -> IdempotencyClaim
    {
        guard ttl > 0 else { throw B24Error.usage("idempotency TTL must be positive, got \(ttl) s") }
        return try write("cannot claim idempotency key \(key)") { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM idempotency WHERE profile = ? AND key = ? AND expires_at > ?",
                arguments: [profile, key, now.timeIntervalSince1970])
            {
                let storedMethod: String = row["method"], hash: String = row["params_hash"], state: String = row["state"]
                let since = Date(timeIntervalSince1970: row["created_at"])
                guard storedMethod.lowercased() == method.lowercased(), hash == paramsHash else {
                    return .usedByOtherCall(method: storedMethod)
                }
                switch state {
                case "done": return .replay(try self.idempotencyRecord(row, key: key))
                case "unknown": return .outcomeUnknown(since: since)
                default: return .inFlight(since: since)
                }
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO idempotency (profile, key, method, params_hash, response, created_at, expires_at, state)
                    VALUES (?, ?, ?, ?, '', ?, ?, 'pending')
                    """,
                arguments: [profile, key, method, paramsHash, now.timeIntervalSince1970,
                            now.addingTimeInterval(ttl).timeIntervalSince1970])
            return .claimed
        }
    }

    /// Ends a claim that got no stored answer. With `outcomeUnknown` the key stays blocked (the write may have
    /// run); otherwise it is released, so the same write may be sent again (the portal refused it or provably
    /// did not run it).
    public func settleIdempotencyKey(key: String, profile: String, outcomeUnknown: Bool) throws {
        try write("cannot update idempotency key \(key)") { db in
            if outcomeUnknown {
                try db.execute(sql: "UPDATE idempotency SET state = 'unknown' WHERE profile = ? AND key = ? AND state = 'pending'",
                               arguments: [profile, key])
            } else {
                try db.execute(sql: "DELETE FROM idempotency WHERE profile = ? AND key = ? AND state = 'pending'",
                               arguments: [profile, key])
            }
        }
    }

    private func idempotencyRecord(_ row: Row, key: String) throws -> IdempotencyRecord {
        IdempotencyRecord(
            key: row["key"], profile: row["profile"], method: row["method"], paramsHash: row["params_hash"],
            response: try parseStored(row["response"], what: "stored response of idempotency key \(key)"),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
    }

    /// Remembers the response of a call made with an idempotency key for `ttl` seconds (replacing an older record).
    public func storeIdempotent(key: String, profile: String, method: String, paramsHash: String, response: JSONValue,
                                ttl: TimeInterval, now: Date = Date()) throws
    {
        guard ttl > 0 else { throw B24Error.usage("idempotency TTL must be positive, got \(ttl) s") }
        try write("cannot store idempotency key \(key)") { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO idempotency (profile, key, method, params_hash, response, created_at, expires_at, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'done')
                    """,
                arguments: [
                    profile, key, method, paramsHash, JSONWriter.compact(response), now.timeIntervalSince1970,
                    now.addingTimeInterval(ttl).timeIntervalSince1970,
                ])
        }
    }

    /// An idempotency key derived from the call itself, for writes made without an explicit key:
    /// `"b24-"` + 32 hex digits of SHA-256 over the profile, the method (case-insensitive, as the portal treats it)
    /// and the canonical JSON of the parameters (keys sorted), so reordered parameters give the same key.
    public static func derivedIdempotencyKey(profile: String, method: String, params: JSONValue) -> String {
        let material = "b24-idempotency-v1\n\(profile)\n\(method.lowercased())\n\(params.canonicalJSON)"
        return "b24-" + SHA256Hasher.hexDigest(material).prefix(32)
    }

    /// SHA-256 (hex) of the canonical JSON of parameters, stored with an idempotency record.
    public static func paramsHash(_ params: JSONValue) -> String {
        SHA256Hasher.hexDigest(params.canonicalJSON)
    }
}
