import B24Wire
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A running fake Bitrix24 portal on loopback.
///
/// ```swift
/// let sandbox = try await Sandbox.start(SandboxOptions())
/// // call sandbox.adminWebhookURL.appendingPathComponent("user.current") ...
/// await sandbox.stop()
/// ```
public final class Sandbox: @unchecked Sendable {
    let portal: Portal
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    /// The simulated colleague, when `activityPerSecond` > 0.
    private var activity: Task<Void, Never>?

    /// `http://HOST:PORT`.
    public let baseURL: URL
    /// Webhook of the admin user with every scope: `http://HOST:PORT/rest/1/CODE/`.
    public let adminWebhookURL: URL
    /// Webhook of a non-admin user with the `crm` scope only.
    public let crmWebhookURL: URL
    public var oauthClientID: String { portal.identity.clientID }
    public var oauthClientSecret: String { portal.identity.clientSecret }
    /// Base of the OAuth server: `/oauth/token/` and `/oauth/authorize/` live under it.
    public let oauthServerURL: URL
    /// Counters for tests.
    public let stats: SandboxStats
    /// The port actually bound.
    public let port: Int

    private init(portal: Portal, group: ServiceGroup, task: Task<Void, Error>, port: Int, stats: SandboxStats) {
        self.portal = portal
        self.group = group
        self.task = task
        self.port = port
        self.stats = stats
        let base = portal.baseURL
        baseURL = URL(string: base)!
        adminWebhookURL = URL(string: base + "/rest/1/\(portal.identity.adminWebhookCode)/")!
        crmWebhookURL = URL(string: base + "/rest/\(Directory.crmUserID)/\(portal.identity.crmWebhookCode)/")!
        oauthServerURL = URL(string: base + "/oauth/")!
    }

    /// Why the sandbox could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds the port and starts serving; returns once requests are accepted.
    public static func start(_ options: SandboxOptions) async throws -> Sandbox {
        let stats = SandboxStats()
        let portal = try Portal(options: options, stats: stats)
        var logger = Logger(label: "b24.sandbox")
        logger.logLevel = .critical
        let started = StartSignal()
        let app = Application(
            responder: SandboxResponder(portal: portal),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in started.fulfil(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do { try await group.run() } catch {
                started.fail(error)
                throw error
            }
            started.fail(StartError(description: "server stopped before it started"))
        }
        let port: Int
        do { port = try await started.wait() } catch {
            task.cancel()
            throw StartError(description: "cannot listen on \(options.host):\(options.port): \(error)")
        }
        let hostText = options.host.contains(":") ? "[\(options.host)]" : options.host
        portal.host = "\(hostText):\(port)"
        portal.baseURL = "http://\(hostText):\(port)"
        let sandbox = Sandbox(portal: portal, group: group, task: task, port: port, stats: stats)
        if options.activityPerSecond > 0 {
            sandbox.activity = ActivitySimulator.start(portal: portal, perSecond: options.activityPerSecond)
        }
        return sandbox
    }

    /// Stops serving and waits for the server to go away.
    public func stop() async {
        activity?.cancel()
        _ = await activity?.value
        await group.triggerGracefulShutdown()
        let task = self.task
        let watchdog = Task {
            try await Task.sleep(nanoseconds: 3_000_000_000)
            task.cancel()
        }
        _ = await task.result
        watchdog.cancel()
    }

    /// What `b24 sandbox` prints first.
    public var bannerLines: [String] {
        [
            "Bitrix24 sandbox portal on \(baseURL.absoluteString) (seed \(portal.options.seed), plan \(portal.options.plan.rawValue))",
            "webhook: \(adminWebhookURL.absoluteString)",
            "crm webhook: \(crmWebhookURL.absoluteString)",
            "client id: \(oauthClientID)",
            "client secret: \(oauthClientSecret)",
            "oauth server: \(oauthServerURL.absoluteString)",
        ]
    }

    // MARK: Test hooks

    /// Every access token issued so far now answers 401 expired_token.
    public func expireAccessTokens() { portal.auth.expireAll() }

    /// Mints an app token pair for `userID` without the authorize/code dance.
    public func issueTokens(userID: Int) -> (access: String, refresh: String, expiresIn: Int) {
        let pair = portal.auth.issue(userID: userID, clientID: portal.identity.clientID, now: PortalClock.now())
        return (pair.access, pair.refresh, Int(portal.options.accessTokenLifetime))
    }

    /// Makes the next `count` calls of `method` (any case; nil = any call) misbehave with `fault`, after letting
    /// the first `after` of them through.
    public func injectFault(_ fault: Fault, method: String?, count: Int = 1, after: Int = 0) {
        portal.faults.inject(fault, method: method, count: count, after: after)
    }
}

/// A one-shot rendezvous between the server's "running" callback and `start`.
private final class StartSignal: @unchecked Sendable {
    private let state = Locked<(result: Result<Int, Error>?, waiter: CheckedContinuation<Int, Error>?)>((nil, nil))

    func fulfil(_ port: Int) { finish(.success(port)) }
    func fail(_ error: Error) { finish(.failure(error)) }

    private func finish(_ result: Result<Int, Error>) {
        let waiter: CheckedContinuation<Int, Error>? = state.withLock { state in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, Error>? = state.withLock { state in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// Starts a sandbox, prints its banner, and serves until SIGINT or SIGTERM (for `b24 sandbox`).
public func runSandboxServer(_ options: SandboxOptions, printer: (String) -> Void) async throws {
    let sandbox = try await Sandbox.start(options)
    for line in sandbox.bannerLines { printer(line) }
    await waitForTerminationSignal()
    // What the portal answered, for benchmarks that compare clients on twin sandboxes.
    let stats = sandbox.stats, errors = stats.errorsByCode
    printer("stopping sandbox: \(stats.totalRequests) requests, \(errors["QUERY_LIMIT_EXCEEDED"] ?? 0) answers 503 QUERY_LIMIT_EXCEEDED, \(errors["OPERATION_TIME_LIMIT"] ?? 0) answers 429 OPERATION_TIME_LIMIT")
    await sandbox.stop()
}

/// Suspends until SIGINT or SIGTERM arrives.
private func waitForTerminationSignal() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let once = Locked(false)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let first = once.withLock { fired -> Bool in
                    defer { fired = true }
                    return !fired
                }
                if first {
                    for source in sources { source.cancel() }
                    continuation.resume()
                }
            }
            source.resume()
            sources.append(source)
        }
        // Keep the sources alive until a signal fires.
        SignalSources.keep(sources)
    }
}

private enum SignalSources {
    nonisolated(unsafe) static var kept: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { kept = sources }
}

// MARK: Event test hooks

extension Sandbox {
    /// Registers an outgoing webhook (portal UI setting) that POSTs `event` to `handler` with the webhook subset of
    /// `auth`; returns its application token.
    @discardableResult
    public func addOutgoingWebhook(event: String, handler: String) -> String {
        var random = SeededRandom(seed: portal.options.seed ^ UInt64(handler.utf8.count) ^ 0x0B7)
        let token = random.token(length: 32)
        _ = portal.events.bind(clientKey: "outgoing:" + token, event: event.uppercased(), handler: handler, authType: 0,
                               offline: false, authConnector: "", outgoingToken: token)
        return token
    }

    /// Waits until no event delivery is in flight (or `timeout` seconds pass); true when settled.
    @discardableResult
    public func settleEvents(timeout: Double = 5) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if portal.hub.pendingDeliveries == 0 { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return portal.hub.pendingDeliveries == 0
    }

    /// Loses the next `count` online deliveries (of `event`, or of any event when nil), as a queue server that
    /// gives up would; offline queues still get their records.
    public func dropOnlineDeliveries(_ count: Int, event: String? = nil) {
        portal.hub.dropping.withLock { $0 = (max(0, count), event?.uppercased()) }
    }

    /// The member id of the portal (`auth[member_id]` in deliveries).
    public var memberID: String { portal.identity.memberID }

    /// The application token handlers see in `auth[application_token]` for app event deliveries.
    public var applicationToken: String { portal.identity.applicationToken }
}

/// One request that reached the sandbox's own app handler (`/sandbox-app/...`), e.g. an event delivery.
public struct HandlerCall: Sendable {
    public let path: String
    public let contentType: String
    /// The raw body (form-encoded for events).
    public let body: String
}

extension Sandbox {
    /// A handler URL on this sandbox that accepts anything and records it (see `handlerCalls`).
    public func handlerURL(_ name: String = "events") -> String { baseURL.absoluteString + "/sandbox-app/" + name }

    /// Everything posted to `/sandbox-app/...` so far, in arrival order.
    public var handlerCalls: [HandlerCall] { portal.captured.snapshot }
}
