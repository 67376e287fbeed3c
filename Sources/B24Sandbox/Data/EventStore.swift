/// Event handler registrations made with `event.bind`, per application.
final class EventStore: @unchecked Sendable {
    struct Binding: Equatable {
        let id: Int
        let clientKey: String
        let event: String
        /// Empty for offline bindings.
        let handler: String
        let authType: Int
        let offline: Bool
        let authConnector: String
    }

    private struct State { var bindings: [Binding] = []; var nextID = 1 }
    private let state = Locked(State())

    /// Adds a binding; false when the same one exists.
    func bind(clientKey: String, event: String, handler: String, authType: Int, offline: Bool, authConnector: String) -> Bool {
        state.withLock { state in
            let duplicate = state.bindings.contains {
                $0.clientKey == clientKey && $0.event == event && $0.handler == handler && $0.authType == authType
                    && $0.offline == offline
            }
            guard !duplicate else { return false }
            state.bindings.append(Binding(id: state.nextID, clientKey: clientKey, event: event, handler: handler,
                                          authType: authType, offline: offline, authConnector: authConnector))
            state.nextID += 1
            return true
        }
    }

    func bindings(clientKey: String) -> [Binding] {
        state.withLock { $0.bindings.filter { $0.clientKey == clientKey } }
    }

    /// All bindings of an event, for delivery.
    func bindings(event: String) -> [Binding] {
        state.withLock { $0.bindings.filter { $0.event == event } }
    }

    /// Removes matching bindings; returns how many went.
    func unbind(clientKey: String, event: String, handler: String, authType: Int?, offline: Bool) -> Int {
        state.withLock { state in
            let before = state.bindings.count
            state.bindings.removeAll {
                $0.clientKey == clientKey && $0.event == event && $0.offline == offline
                    && (offline || $0.handler == handler) && (authType == nil || $0.authType == authType)
            }
            return before - state.bindings.count
        }
    }
}
