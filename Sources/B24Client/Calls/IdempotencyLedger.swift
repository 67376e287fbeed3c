import B24Wire
import Foundation

/// The idempotency keys of one client's writes: claimed before sending, settled when the call ends, and settled
/// as "outcome unknown" by an interruption (Ctrl+C, SIGTERM) that ends the process mid-write.
final class IdempotencyLedger: @unchecked Sendable {
    /// What a claim found.
    enum Claim {
        /// The key is this call's: send, then settle.
        case claimed
        /// The same write succeeded before: its stored answer stands in for the portal's.
        case replay(JSONValue)
        /// The key may not be used now (another call's key, a write in flight or with a lost answer).
        case refused(B24Error)
        /// No database: the write goes out unprotected against a re-run.
        case unprotected
    }

    private let identity: String
    private let ttl: TimeInterval
    private let store: () throws -> B24Store
    private let state = NSLock()
    /// Writes claimed and not yet settled, by key, with when a request first left for the portal (guarded by
    /// `state`): what an interruption must settle.
    private var unsettled: [String: Unsettled] = [:]
    private struct Unsettled { var trace: CallTrace; var recording: CallRecording; var sentAt: Date? }
    /// Held while a write is settled and recorded, by the call or by an interruption, so the two never both do it
    /// and the process is not ended halfway through.
    private let settling = NSLock()

    init(identity: String, ttl: TimeInterval, store: @escaping () throws -> B24Store) {
        self.identity = identity
        self.ttl = ttl
        self.store = store
    }

    /// Claims a write's key before sending, so neither a parallel run nor a re-run after a lost answer sends it
    /// twice. `trace` is what an interruption records (where `recording` says) if the call never settles.
    func claim(key: String, method keyedMethod: String, params: JSONValue, trace: CallTrace, recording: CallRecording) -> Claim {
        let claim = try? store().claimIdempotencyKey(
            key: key, profile: identity, method: keyedMethod, paramsHash: B24Store.paramsHash(params), ttl: ttl, now: Date())
        let method = trace.method
        switch claim {
        case .claimed?:
            state.withLock { unsettled[key] = Unsettled(trace: trace, recording: recording, sentAt: nil) }
            return .claimed
        case .replay(let stored)?:
            return .replay(stored.response)
        case .usedByOtherCall(let other)?:
            return .refused(.policy("idempotency key \(key) was already used for a different call (\(other)); use a new key"))
        case .inFlight(let since)?:
            return .refused(.outcomeUnknown(method: method, reason:
                "the same write (key \(key)) was started \(Self.ago(since)) and has not finished, or its b24 was "
                + "interrupted; to write again after checking, pass a new --idempotency-key"))
        case .outcomeUnknown(let since)?:
            return .refused(.outcomeUnknown(method: method, reason:
                "the same write (key \(key)) was sent \(Self.ago(since)) and its answer was lost; to write again "
                + "after checking, pass a new --idempotency-key"))
        case nil:
            return .unprotected
        }
    }

    /// Notes when the first request of a claimed write left (retries keep the first time).
    func markSent(_ key: String) {
        state.withLock {
            if unsettled[key]?.sentAt == nil { unsettled[key]?.sentAt = Date() }
        }
    }

    /// Settles a claimed key with the call's result, then runs `finish(record)` under the same lock; `record` is
    /// false when an interruption settled and recorded the call first.
    func settle<T>(key: String, method keyedMethod: String, params: JSONValue, result: Result<JSONValue, B24Error>,
                   finish: (_ record: Bool) -> T) -> T
    {
        settling.lock()
        defer { settling.unlock() }
        guard state.withLock({ unsettled.removeValue(forKey: key) }) != nil else { return finish(false) }
        switch result {
        case .success(let envelope) where !B24Client.noCommandSucceeded(envelope):
            // A batch in which some commands failed still ran the others: its answer is kept and replayed like
            // any other, or re-running it would repeat the writes that succeeded.
            try? store().storeIdempotent(
                key: key, profile: identity, method: keyedMethod, paramsHash: B24Store.paramsHash(params),
                response: envelope, ttl: ttl, now: Date())
        case .failure(.outcomeUnknown):
            try? store().settleIdempotencyKey(key: key, profile: identity, outcomeUnknown: true)
        default:
            // Failed, cancelled before it could have run, or a batch that changed nothing: the key is free again.
            try? store().settleIdempotencyKey(key: key, profile: identity, outcomeUnknown: false)
        }
        return finish(true)
    }

    /// Settles every write in flight for a process that is being stopped: a write whose request left is
    /// "outcome unknown" (its key stays blocked), one that never left releases its key. `record` records each;
    /// returns one error line per write, for the terminal.
    func interrupt(record: (CallTrace, B24Error, CallRecording) -> Void) -> [String] {
        settling.lock()
        defer { settling.unlock() }
        let writes = state.withLock { () -> [String: Unsettled] in
            defer { unsettled.removeAll() }
            return unsettled
        }
        return writes.sorted { $0.key < $1.key }.map { key, write in
            try? store().settleIdempotencyKey(key: key, profile: identity, outcomeUnknown: write.sentAt != nil)
            var trace = write.trace
            let error: B24Error
            if let sentAt = write.sentAt {
                error = .outcomeUnknown(method: trace.method, reason: "b24 was stopped while the write was under way")
                // The attempt under way when the signal came, so the trace shows that a request did leave.
                trace.attempts.append(.init(number: trace.attempts.count + 1, startedAt: sentAt,
                                            duration: Date().timeIntervalSince(sentAt), httpStatus: nil,
                                            errorCode: error.auditCode, decision: "stopped by a signal", note: nil))
            } else {
                error = .policy("b24 was stopped before \(trace.method) was sent; nothing reached the portal")
            }
            record(trace, error, write.recording)
            return error.message
        }
    }

    /// "12 s ago", "3 min ago": when an earlier run of a write started.
    static func ago(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        return seconds < 120 ? "\(seconds) s ago" : seconds < 7200 ? "\(seconds / 60) min ago" : "\(seconds / 3600) h ago"
    }
}
