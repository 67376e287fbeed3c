import Foundation

/// The two portal limits (PROTOCOL §2.6): a leaky bucket per client address, and operating time per method
/// and app/webhook in ten one-minute baskets.
final class Limits: @unchecked Sendable {
    private struct Bucket { var level: Double; var last: Double }
    private struct Basket { var opened: Double; var seconds: Double }

    private let bucketSetting: (burst: Int, perSecond: Double)?
    private let operatingLimit: Double?
    private let costs: [String: Double]
    private let buckets = Locked([String: Bucket]())
    private let operating = Locked([String: [Basket]]())
    static let window: Double = 600

    init(options: SandboxOptions) {
        bucketSetting = options.effectiveBucket
        operatingLimit = options.operatingLimitSeconds
        costs = options.simulatedOperatingSeconds
    }

    /// One request from `address`; false when the bucket is full (503 QUERY_LIMIT_EXCEEDED).
    func admit(address: String, now: Double) -> Bool {
        guard let setting = bucketSetting else { return true }
        return buckets.withLock { buckets in
            var bucket = buckets[address] ?? Bucket(level: 0, last: now)
            // `now` is read before the lock: a request that took it earlier may come second. Time never runs back.
            bucket.level = max(0, bucket.level - max(0, now - bucket.last) * setting.perSecond)
            bucket.last = max(bucket.last, now)
            let admitted = bucket.level + 1 <= Double(setting.burst)
            if admitted { bucket.level += 1 }
            buckets[address] = bucket
            return admitted
        }
    }

    /// The current use of a method's budget: seconds spent and when the oldest basket expires.
    func usage(client: String, method: String, now: Double) -> (seconds: Double, resetAt: Int) {
        operating.withLock { table in
            let key = client + " " + method
            var baskets = table[key] ?? []
            if let first = baskets.first, first.opened + Self.window <= now {
                baskets.removeAll { $0.opened + Self.window <= now }
                table[key] = baskets
            }
            let total = baskets.reduce(0) { $0 + $1.seconds }
            let reset = baskets.first.map { $0.opened + Self.window } ?? now + Self.window
            return (total, Int(reset))
        }
    }

    /// True when the method is blocked (the check runs before the call; PROTOCOL §2.6).
    func blocked(client: String, method: String, now: Double) -> Bool {
        guard let limit = operatingLimit else { return false }
        return usage(client: client, method: method, now: now).seconds >= limit
    }

    /// The simulated cost of one call of `method` (seconds), added to real elapsed time.
    func simulatedCost(_ method: String) -> Double { costs[method] ?? costs["*"] ?? 0 }

    /// Charges a call's execution time; returns the new usage.
    @discardableResult
    func charge(client: String, method: String, seconds: Double, now: Double) -> (seconds: Double, resetAt: Int) {
        operating.withLock { table in
            let key = client + " " + method
            var baskets = table.removeValue(forKey: key) ?? []
            if let first = baskets.first, first.opened + Self.window <= now {
                baskets.removeAll { $0.opened + Self.window <= now }
            }
            if let last = baskets.last, now - last.opened < 60 {
                baskets[baskets.count - 1].seconds += seconds
            } else {
                baskets.append(Basket(opened: now, seconds: seconds))
            }
            table[key] = baskets
            let total = baskets.reduce(0) { $0 + $1.seconds }
            return (total, Int(baskets[0].opened + Self.window))
        }
    }
}
