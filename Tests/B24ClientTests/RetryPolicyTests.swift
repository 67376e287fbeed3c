import B24Catalog
import B24Client
import B24Wire
import Foundation
import Testing

/// The retry policy as a table: one row per situation, no portal, no clock.
@Suite("Retry policy")
struct RetryPolicyTests {
    static let policy = RetryPolicy(maxAttempts: 4, maxOperatingWait: 600, rateLimitInterval: 0.5)

    static func portal(_ code: String, _ status: Int) -> B24Error {
        .portal(PortalError(code: code, message: "m", httpStatus: status))
    }

    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var error: B24Error
        var attempt = 1
        var isWrite = false
        var canRefresh = false
        var refreshed = false
        var operatingWait: TimeInterval = 0
        var expected: RetryDecision
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "read 503 rate limit waits at least one drain interval", error: portal("QUERY_LIMIT_EXCEEDED", 503),
            expected: .retry(after: 0.5, reason: "backoff")),
        Row(name: "write 503 rate limit is retried too", error: portal("QUERY_LIMIT_EXCEEDED", 503), isWrite: true,
            expected: .retry(after: 0.5, reason: "backoff")),
        Row(name: "rate limit on the last attempt stops", error: portal("QUERY_LIMIT_EXCEEDED", 503), attempt: 4,
            expected: .stop(portal("QUERY_LIMIT_EXCEEDED", 503), why: "no attempts left")),
        Row(name: "read 500 backs off", error: portal("INTERNAL_SERVER_ERROR", 500),
            expected: .retry(after: 0.25, reason: "backoff")),
        Row(name: "write 500 may have run", error: portal("INTERNAL_SERVER_ERROR", 500), isWrite: true,
            expected: .stop(.outcomeUnknown(method: "m.x", reason: "the portal answered INTERNAL_SERVER_ERROR after the request was sent; it may have partly run"),
                            why: "the write may have run")),
        Row(name: "fatal code stops", error: portal("ACCESS_DENIED", 403),
            expected: .stop(portal("ACCESS_DENIED", 403), why: "retrying cannot help")),
        Row(name: "expired token refreshes once", error: portal("expired_token", 401), canRefresh: true, expected: .refresh),
        Row(name: "expired token after a refresh needs a login", error: portal("expired_token", 401), canRefresh: true, refreshed: true,
            expected: .stop(.loginRequired(profile: "p", reason: "the portal still rejects the refreshed token (expired_token)"),
                            why: "the refreshed token was rejected too")),
        Row(name: "expired token without OAuth stops", error: portal("expired_token", 401),
            expected: .stop(portal("expired_token", 401), why: "no token to refresh")),
        Row(name: "operating limit within reach waits for the reset", error: portal("OPERATION_TIME_LIMIT", 429), isWrite: true,
            operatingWait: 30, expected: .retry(after: 0, reason: "operating-reset")),
        Row(name: "operating limit too far away is refused", error: portal("OPERATION_TIME_LIMIT", 429), operatingWait: 900.2,
            expected: .stop(.refused(Refusal(gate: .operatingBudget, method: "m.x", remedy: .waitForReset(seconds: 901))),
                            why: "the reset is too far away")),
        Row(name: "read proxy page 502 backs off", error: .http(status: 502, snippet: "<html>"),
            expected: .retry(after: 0.25, reason: "backoff")),
        Row(name: "write proxy page 502 may have run", error: .http(status: 502, snippet: "<html>"), isWrite: true,
            expected: .stop(.outcomeUnknown(method: "m.x", reason: "HTTP 502 without a Bitrix24 answer after the request was sent"),
                            why: "the write may have run")),
        Row(name: "write 403 page was turned away by a proxy", error: .http(status: 403, snippet: "no"), isWrite: true,
            expected: .stop(.http(status: 403, snippet: "no"), why: "retrying cannot help")),
        Row(name: "refused connection is retried even for a write", error: .transport(.connectionRefused, "refused"), isWrite: true,
            expected: .retry(after: 0.25, reason: "backoff")),
        Row(name: "lost connection after a write was sent", error: .transport(.connectionLost, "the connection closed"), isWrite: true,
            expected: .stop(.outcomeUnknown(method: "m.x", reason: "the request was sent but the connection closed"), why: "the write may have run")),
        Row(name: "read timeout backs off", error: .transport(.timeout, "t"), attempt: 2, expected: .retry(after: 0.25, reason: "backoff")),
        Row(name: "unknown host stops", error: .transport(.unknownHost, "h"), expected: .stop(.transport(.unknownHost, "h"), why: "retrying cannot help")),
        Row(name: "unreadable write answer may have run", error: .decoding("cut"), isWrite: true,
            expected: .stop(.outcomeUnknown(method: "m.x", reason: "the response was unreadable (cut)"), why: "the write may have run")),
        Row(name: "unreadable read answer backs off", error: .decoding("cut"), expected: .retry(after: 0.25, reason: "backoff")),
        Row(name: "cancellation is never retried", error: .cancelled(method: "m.x"),
            expected: .stop(.cancelled(method: "m.x"), why: "retrying cannot help")),
    ]

    @Test("Each failure gets its decision", arguments: rows)
    func decide(row: Row) {
        let decision = Self.policy.decide(
            row.error, attempt: row.attempt, method: "m.x", isWrite: row.isWrite, canRefresh: row.canRefresh,
            refreshed: row.refreshed, profile: "p", operatingWait: row.operatingWait, backoffDelay: 0.25)
        #expect(decision == row.expected)
    }
}
