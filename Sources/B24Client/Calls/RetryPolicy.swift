import Foundation

/// What to do after a failed attempt.
public enum RetryDecision: Sendable, Equatable {
    /// Try again after `after` seconds; `reason` is "backoff" or "operating-reset" (that wait is taken before the
    /// next attempt, from the budget).
    case retry(after: TimeInterval, reason: String)
    /// Refresh the OAuth token once, then try again.
    case refresh
    /// No more attempts: the call fails with `error`; `why` says so in a few words.
    case stop(B24Error, why: String)
}

/// The retry rules, as a pure function of the attempt and its error: reads retry transient failures; a write is
/// retried only when the portal provably did not run it (rate-limited, operating limit, connection refused). A
/// write whose answer was lost is never resent. Side effects (marking the shared bucket full, the budget
/// exhausted) are the attempt loop's.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first one included.
    public var maxAttempts: Int
    /// The longest wait for an operating-time reset before giving up.
    public var maxOperatingWait: TimeInterval
    /// The shortest pause after a 503 `QUERY_LIMIT_EXCEEDED`: one drain interval of the bucket.
    public var rateLimitInterval: TimeInterval

    /// The refusal for a method whose operating-time budget resets further away than the client may wait.
    public static func operatingBudgetSpent(_ method: String, wait: TimeInterval) -> B24Error {
        .refused(Refusal(gate: .operatingBudget, method: method, remedy: .waitForReset(seconds: Int(wait.rounded(.up)))))
    }

    public init(maxAttempts: Int, maxOperatingWait: TimeInterval, rateLimitInterval: TimeInterval) {
        self.maxAttempts = maxAttempts
        self.maxOperatingWait = maxOperatingWait
        self.rateLimitInterval = rateLimitInterval
    }

    /// The decision after failed attempt `attempt` (1-based).
    /// - Parameters:
    ///   - canRefresh: the call has an OAuth token that a refresh could replace.
    ///   - refreshed: this call refreshed the token already.
    ///   - profile: the profile's name, for a login advice.
    ///   - operatingWait: how long the method's operating-time budget needs to reset, as of now.
    ///   - backoffDelay: the jittered backoff for this attempt (``BackoffPolicy/delay(attempt:)``).
    public func decide(_ error: B24Error, attempt: Int, method: String, isWrite: Bool, canRefresh: Bool,
                       refreshed: Bool, profile: String, operatingWait: TimeInterval, backoffDelay: TimeInterval) -> RetryDecision
    {
        let canRetry = attempt < maxAttempts
        let used = "no attempts left"
        func backoff(_ after: TimeInterval = backoffDelay) -> RetryDecision {
            canRetry ? .retry(after: after, reason: "backoff") : .stop(error, why: used)
        }
        func unknown(_ reason: String) -> RetryDecision {
            .stop(.outcomeUnknown(method: method, reason: reason), why: "the write may have run")
        }
        switch error {
        case .portal(let portal):
            if portal.isExpiredToken {
                if canRefresh, !refreshed { return .refresh }
                guard canRefresh else { return .stop(error, why: "no token to refresh") }
                return .stop(.loginRequired(profile: profile, reason: "the portal still rejects the refreshed token (\(portal.code))"),
                             why: "the refreshed token was rejected too")
            }
            if portal.isFatal { return .stop(error, why: "retrying cannot help") }
            if portal.isRateLimited { return backoff(max(backoffDelay, rateLimitInterval)) }
            if portal.isOperatingLimit {
                // The portal checks the budget before running the method, so waiting for the reset is safe for
                // writes too; the wait itself happens before the next attempt.
                guard canRetry, operatingWait <= maxOperatingWait else {
                    return .stop(Self.operatingBudgetSpent(method, wait: operatingWait), why: canRetry ? "the reset is too far away" : used)
                }
                return .retry(after: 0, reason: "operating-reset")
            }
            if portal.isServerFault {
                if isWrite {
                    return unknown("the portal answered \(portal.code.isEmpty ? "HTTP \(portal.httpStatus)" : portal.code) after the request was sent; it may have partly run")
                }
                if canRetry { return .retry(after: backoffDelay, reason: "backoff") }
                return .stop(error, why: used)
            }
            return .stop(error, why: "retrying cannot help")
        case .http(let status, _):
            // A 4xx page means a proxy turned the request away; a 2xx or 5xx page may come after the portal ran it.
            if isWrite, status >= 500 || status < 400 {
                return unknown("HTTP \(status) without a Bitrix24 answer after the request was sent")
            }
            if !isWrite, status >= 500 || status == 429 { return backoff() }
            return .stop(error, why: "retrying cannot help")
        case .decoding(let text):
            if isWrite { return unknown("the response was unreadable (\(text))") }
            return backoff()
        case .transport(let kind, let text):
            switch kind {
            case .connectionRefused: return backoff()
            case .unknownHost, .tls: return .stop(error, why: "retrying cannot help")
            case .timeout, .connectionLost, .other:
                if isWrite { return unknown("the request was sent but \(text)") }
                return backoff()
            }
        default:
            return .stop(error, why: "retrying cannot help")
        }
    }
}
