import B24Catalog
import Foundation

/// Retry delays for `QUERY_LIMIT_EXCEEDED` and server faults: exponential backoff with full jitter.
///
/// The delay after failed attempt `n` (1-based) is uniform in `[0, min(cap, base · 2^(n-1)))`. Full jitter
/// spreads the retries of several processes that hit the limit together, instead of having them retry in step.
public struct BackoffPolicy: Sendable {
    /// Attempts in total, the first one included.
    public var maxAttempts: Int
    /// The envelope of the first retry.
    public var base: TimeInterval
    /// The largest envelope.
    public var cap: TimeInterval
    /// Returns values in `[0, 1)`; injectable so tests are deterministic.
    public var random: @Sendable () -> Double

    public init(maxAttempts: Int = 4, base: TimeInterval = 0.5, cap: TimeInterval = 8,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) })
    {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
        self.random = random
    }

    /// The upper bound of the delay after failed attempt `attempt` (1-based): `min(cap, base · 2^(attempt-1))`.
    public func envelope(attempt: Int) -> TimeInterval {
        let exponent = max(0, min(attempt - 1, 60))  // 2^60 is past any cap; avoids overflow to infinity
        return max(0, min(cap, base * pow(2, Double(exponent))))
    }

    /// The delay to sleep after failed attempt `attempt` (1-based), between 0 and ``envelope(attempt:)``.
    public func delay(attempt: Int) -> TimeInterval {
        // Clamp the random source, so a misbehaving one cannot exceed the cap or go negative.
        let fraction = min(max(random(), 0), 1)
        return fraction * envelope(attempt: attempt)
    }

    /// True when another attempt may follow failed attempt `attempt` (1-based).
    public func allowsRetry(after attempt: Int) -> Bool {
        attempt < maxAttempts
    }
}
