/// Caps how many requests one client has on the wire at once.
///
/// The leaky bucket reserves a slot at the moment a request is about to leave. If more requests were in flight
/// than the transport has connections, reserved requests would wait inside the transport and reach the portal in
/// a bunch later, overflowing the portal's own bucket; taking a permit first keeps reservation and sending together.
public actor InFlightLimit {
    private let permits: Int
    private var inUse = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, Error>)] = []
    private var nextID = 0

    public init(permits: Int) {
        self.permits = max(1, permits)
    }

    /// Waits for a free permit. Throws `CancellationError` when the task is cancelled while waiting (it then holds
    /// no permit).
    public func acquire() async throws {
        try Task.checkCancellation()
        if inUse < permits {
            inUse += 1
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                // Runs on the actor before any cancellation handler's hop to it, so a cancel never misses a waiter.
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// How many callers wait for a permit now.
    public var waiting: Int { waiters.count }

    /// Returns a permit, handing it straight to the longest waiter.
    public func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
