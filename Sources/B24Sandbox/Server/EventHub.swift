import AsyncHTTPClient
import B24Wire
import Foundation
import NIOCore

/// Raises portal events (PROTOCOL §2.8): online handlers get a form-encoded POST in the background (never retried,
/// failures only counted), offline bindings get a latest-state record in their queue plus an ONOFFLINEEVENT ping.
final class EventHub: @unchecked Sendable {
    /// Shared by every sandbox in the process; it lives as long as the process, so it is never shut down.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
    private let pending = Locked(0)
    /// Online deliveries still to be lost on purpose (a test fault: Bitrix24 never re-sends them).
    let dropping = Locked<(count: Int, event: String?)>((0, nil))

    var pendingDeliveries: Int { pending.withLock { $0 } }

    /// Posts `form` to `url` without waiting; the outcome lands in `stats`.
    func post(_ url: String, form: String, event: String, stats: SandboxStats) {
        guard let target = URL(string: url), target.scheme == "http" || target.scheme == "https" else {
            stats.delivery(event, ok: false)
            return
        }
        let dropped = dropping.withLock { state -> Bool in
            guard state.count > 0, state.event == nil || state.event == event else { return false }
            state.count -= 1
            return true
        }
        if dropped {
            stats.delivery(event, ok: false)
            return
        }
        pending.withLock { $0 += 1 }
        var request = HTTPClientRequest(url: target.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: "Bitrix24 Webhook Engine")
        request.body = .bytes(ByteBuffer(string: form))
        Task.detached { [pending] in
            var ok = false
            do {
                let response = try await Self.client.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
                ok = (200..<300).contains(Int(response.status.code))
            } catch {}
            stats.delivery(event, ok: ok)
            pending.withLock { $0 -= 1 }
        }
    }
}

extension Portal {
    /// Raises a task event for task `id` caused by the call in `env`.
    func raiseTaskEvent(_ event: String, id: Int, env: CallEnv) {
        raiseTaskEvent(event, id: id, caller: env.caller, authConnector: env.param("auth_connector")?.stringValue)
    }

    func raiseTaskEvent(_ event: String, id: Int, caller: Caller?, authConnector: String?) {
        // What a real portal sends for tasks: FIELDS_AFTER / FIELDS_BEFORE with the ID.
        let idValue = JSONValue.string(String(id))
        var data: JSONObject = [:]
        if event != "ONTASKDELETE" { data["FIELDS_AFTER"] = ["ID": idValue] }
        if event != "ONTASKADD" { data["FIELDS_BEFORE"] = ["ID": idValue] }
        data["IS_ACCESSIBLE_BEFORE"] = event == "ONTASKADD" ? "N" : "Y"
        data["IS_ACCESSIBLE_AFTER"] = event == "ONTASKDELETE" ? "N" : "Y"
        raise(event, data: .object(data), objectKey: "task:\(id)", caller: caller, authConnector: authConnector)
    }

    func raiseCRMEvent(_ entity: CRMEntity, _ action: String, id: Int, env: CallEnv) {
        raiseCRMEvent(entity, action, id: id, caller: env.caller, authConnector: env.param("auth_connector")?.stringValue)
    }

    /// Raises ONCRM<ENTITY><ACTION> for a CRM record.
    func raiseCRMEvent(_ entity: CRMEntity, _ action: String, id: Int, caller: Caller?, authConnector: String?) {
        raise("ONCRM\(entity.name.uppercased())\(action)", data: ["FIELDS": ["ID": .string(String(id))]],
              objectKey: "\(entity.name):\(id)", caller: caller, authConnector: authConnector)
    }

    /// Delivers one event to every binding of it. Cheap when nothing is bound.
    func raise(_ event: String, data: JSONValue, objectKey: String, caller: Caller?, authConnector: String?) {
        let bindings = events.bindings(event: event)
        guard !bindings.isEmpty else { return }
        let now = PortalClock.now()
        stats.eventRaised(event)
        var pinged: Set<String> = []
        for binding in bindings {
            if binding.offline {
                // Calls made with the binding's own auth_connector are not queued again (breaks update loops).
                if !binding.authConnector.isEmpty, binding.authConnector == authConnector { continue }
                events.enqueue(.init(clientKey: binding.clientKey, connector: binding.authConnector), event: event,
                               objectKey: objectKey, data: data, now: now)
                stats.offlineQueued()
                if pinged.insert(binding.clientKey).inserted { notifyOffline(clientKey: binding.clientKey, now: now) }
            } else {
                deliver(binding, event: event, data: data, userID: binding.authType != 0 ? binding.authType
                        : (caller?.userID ?? 1), now: now)
            }
        }
    }

    /// ONOFFLINEEVENT to the app's online handlers, at most one per `minTimeout` seconds.
    private func notifyOffline(clientKey: String, now: Double) {
        for binding in events.bindings(event: "ONOFFLINEEVENT") where binding.clientKey == clientKey && !binding.offline {
            switch events.notifyDecision(binding: binding, now: now) {
            case .now:
                deliver(binding, event: "ONOFFLINEEVENT", data: [], userID: binding.authType != 0 ? binding.authType : 1,
                        now: now)
            case .later(let delay):
                Task.detached { [self] in
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    events.deferredSent(binding: binding)
                    deliver(binding, event: "ONOFFLINEEVENT", data: [],
                            userID: binding.authType != 0 ? binding.authType : 1, now: PortalClock.now())
                }
            case .skip:
                break
            }
        }
    }

    /// Builds the form body (`event`, `event_handler_id`, `data`, `ts`, `auth`) and posts it in the background.
    func deliver(_ binding: EventStore.Binding, event: String, data: JSONValue, userID: Int, now: Double) {
        var auth: JSONObject = [:]
        if let token = binding.outgoingToken {
            auth = ["domain": .string(host), "client_endpoint": .string(restEndpoint),
                    "server_endpoint": .string(baseURL + "/rest/"), "member_id": .string(identity.memberID),
                    "application_token": .string(token)]
        } else {
            let pair = eventTokens(userID: userID, now: now)
            auth = [
                "access_token": .string(pair.access), "expires_in": .string(String(Int(options.accessTokenLifetime))),
                "scope": .string(Portal.allScopes.joined(separator: ",")), "domain": .string(host),
                "server_endpoint": .string(baseURL + "/rest/"), "status": "L", "client_endpoint": .string(restEndpoint),
                "member_id": .string(identity.memberID),
            ]
            // Long-lived events carry the refresh token too.
            if event == "ONOFFLINEEVENT" || event == "ONAPPINSTALL" { auth["refresh_token"] = .string(pair.refresh) }
            auth["application_token"] = .string(identity.applicationToken)
        }
        let payload: JSONValue = [
            "event": .string(event), "event_handler_id": .string(String(binding.id)), "data": data,
            "ts": .string(String(Int(now))), "auth": .object(auth),
        ]
        hub.post(binding.handler, form: PHPForm.encode(payload), event: event, stats: stats)
    }

    private func eventTokens(userID: Int, now: Double) -> (access: String, refresh: String) {
        auth.eventTokens(userID: userID, clientID: identity.clientID, now: now)
    }
}
