import Foundation

/// Thread-safe counters that tests read to check what a client really sent.
public final class SandboxStats: @unchecked Sendable {
    private struct Counters {
        var totalRequests = 0
        var calls: [String: Int] = [:]
        var grants: [String: Int] = [:]
        var queryLimitExceeded = 0
        var operationTimeLimit = 0
        var faultsInjected = 0
        var errorsByCode: [String: Int] = [:]
        var batchSubCalls = 0
        var eventsRaised: [String: Int] = [:]
        var deliveries: [String: Int] = [:]
        var deliveryFailures: [String: Int] = [:]
        var offlineQueued = 0
        var simulated = 0
    }

    private let counters = Locked(Counters())

    init() {}

    /// Every HTTP request that reached the portal, OAuth server included.
    public var totalRequests: Int { counters.withLock { $0.totalRequests } }
    /// Method calls by lowercased method name (batch sub-calls count under their own method and under `batch`).
    public var callsPerMethod: [String: Int] { counters.withLock { $0.calls } }
    /// Calls of one method (name in any case).
    public func calls(_ method: String) -> Int { counters.withLock { $0.calls[method.lowercased()] ?? 0 } }
    /// OAuth token grants by grant type (`authorization_code`, `refresh_token`).
    public var tokenGrants: [String: Int] { counters.withLock { $0.grants } }
    /// Answers of 503 QUERY_LIMIT_EXCEEDED produced by the leaky bucket.
    public var queryLimitExceeded: Int { counters.withLock { $0.queryLimitExceeded } }
    /// Answers of 429 OPERATION_TIME_LIMIT.
    public var operationTimeLimit: Int { counters.withLock { $0.operationTimeLimit } }
    /// Faults produced (injected or random).
    public var faultsInjected: Int { counters.withLock { $0.faultsInjected } }
    /// Error answers by error code (text form), including sub-call errors inside batch.
    public var errorsByCode: [String: Int] { counters.withLock { $0.errorsByCode } }
    /// Commands run inside batch calls.
    public var batchSubCalls: Int { counters.withLock { $0.batchSubCalls } }

    /// Events raised that had at least one binding, by event name.
    public var eventsRaised: [String: Int] { counters.withLock { $0.eventsRaised } }
    /// Online event POSTs answered with 2xx, by event name (delivery is asynchronous; see `Sandbox.settleEvents`).
    public var eventDeliveries: [String: Int] { counters.withLock { $0.deliveries } }
    /// Online event POSTs that failed (connection error or non-2xx), by event name. Never retried.
    public var eventDeliveryFailures: [String: Int] { counters.withLock { $0.deliveryFailures } }
    /// All failed deliveries.
    public var eventDeliveryFailureCount: Int { counters.withLock { $0.deliveryFailures.values.reduce(0, +) } }
    /// Records written to (or refreshed in) offline queues.
    public var offlineEventsQueued: Int { counters.withLock { $0.offlineQueued } }

    /// Changes made by the activity simulator.
    public var simulatedChanges: Int { counters.withLock { $0.simulated } }
    func simulatedChange() { counters.withLock { $0.simulated += 1 } }

    func eventRaised(_ event: String) { counters.withLock { $0.eventsRaised[event, default: 0] += 1 } }
    func offlineQueued() { counters.withLock { $0.offlineQueued += 1 } }
    func delivery(_ event: String, ok: Bool) {
        counters.withLock {
            if ok { $0.deliveries[event, default: 0] += 1 } else { $0.deliveryFailures[event, default: 0] += 1 }
        }
    }

    func request() { counters.withLock { $0.totalRequests += 1 } }
    func call(_ method: String) { counters.withLock { $0.calls[method, default: 0] += 1 } }
    func batchSubCall() { counters.withLock { $0.batchSubCalls += 1 } }
    func grant(_ type: String) { counters.withLock { $0.grants[type, default: 0] += 1 } }
    func fault() { counters.withLock { $0.faultsInjected += 1 } }
    func error(_ code: String) {
        counters.withLock {
            $0.errorsByCode[code, default: 0] += 1
            if code == "QUERY_LIMIT_EXCEEDED" { $0.queryLimitExceeded += 1 }
            if code == "OPERATION_TIME_LIMIT" { $0.operationTimeLimit += 1 }
        }
    }
}
