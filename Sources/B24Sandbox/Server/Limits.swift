import Foundation

/// The two portal limits (PROTOCOL §2.6): a leaky bucket per client address, and operating time per method
/// and app/webhook in ten one-minute baskets.
final class Limits: @unchecked Sendable {
    private struct Bucket { var level: Double; var last: Double }
    private struct Basket { var opened: Double; var seconds: Double }

    private let bucketSetting: (burst: Int, perSecond: Double)?
    private let operatingLimit: Double?
    private let costs: [String: Double]
    private let scale: Double
    private let buckets = Locked([String: Bucket]())
    private let operating = Locked([String: [Basket]]())
    /// The whole window; a basket stays open for a tenth of it.
    let window: Double
    private var basketLength: Double { window / 10 }

    /// The documentation's measurements (PROTOCOL §2.4, "huge data"): a `start=-1` page of 2,387,743 leads took
    /// 0.097 s, the same page counted took 49.9 s, so each counted or skipped row costs about 20.9 µs.
    static let cursorPageSeconds = 0.097
    static let secondsPerScannedRow = (49.9 - 0.097) / 2_387_743

    init(options: SandboxOptions) {
        bucketSetting = options.effectiveBucket
        operatingLimit = options.operatingLimitSeconds
        costs = options.simulatedOperatingSeconds
        scale = max(0, options.operatingScale)
        window = options.operatingWindowSeconds > 0 ? options.operatingWindowSeconds : 600
    }

    /// The simulated cost of a list query that walked `scanned` rows (nil: not a list, no cost).
    func listCost(scanned: Int?) -> Double {
        guard let scanned, scale > 0 else { return 0 }
        return scale * (Self.cursorPageSeconds + Self.secondsPerScannedRow * Double(max(0, scanned)))
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
            if let first = baskets.first, first.opened + window <= now {
                baskets.removeAll { $0.opened + window <= now }
                table[key] = baskets
            }
            let total = baskets.reduce(0) { $0 + $1.seconds }
            let reset = baskets.first.map { $0.opened + window } ?? now + window
            return (total, Int(reset.rounded(.up)))
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
            if let first = baskets.first, first.opened + window <= now {
                baskets.removeAll { $0.opened + window <= now }
            }
            if let last = baskets.last, now - last.opened < basketLength {
                baskets[baskets.count - 1].seconds += seconds
            } else {
                baskets.append(Basket(opened: now, seconds: seconds))
            }
            table[key] = baskets
            let total = baskets.reduce(0) { $0 + $1.seconds }
            // Rounded up: a client that sleeps until this second must find the basket gone.
            return (total, Int((baskets[0].opened + window).rounded(.up)))
        }
    }
}
