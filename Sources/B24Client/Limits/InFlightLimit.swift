/// Caps how many requests one client has on the wire at once.
///
/// The leaky bucket reserves a slot at the moment a request is about to leave. If more requests were in flight
/// than the transport has connections, reserved requests would wait inside the transport and reach the portal in
/// a bunch later, overflowing the portal's own bucket; taking a permit first keeps reservation and sending together.
public actor InFlightLimit {
    private let permits: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(permits: Int) {
        self.permits = max(1, permits)
    }

    /// Waits for a free permit.
    public func acquire() async {
        if inUse < permits {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Returns a permit, handing it straight to the longest waiter.
    public func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
