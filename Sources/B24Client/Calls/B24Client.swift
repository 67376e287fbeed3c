import B24Catalog
import B24Wire
import Foundation

/// Settings of one client session, from command-line flags and the profile.
public struct ClientOptions: Sendable {
    /// Packs to allow (nil: the profile's packs, else the catalog's default pack).
    public var packs: [String]?
    /// Extra allowed method patterns.
    public var methodAllowlist: [String] = []
    /// Let every method through the allowlist (risk confirmations still apply).
    public var allowUnlisted = false
    /// Refuse writes even if the profile allows them.
    public var readOnly = false
    /// Writes need a stored plan.
    public var requirePlan = false
    /// Write one JSONL audit line per call.
    public var audit = true
    /// Keep full traces in the SQLite history.
    public var history = true
    /// How much history the database keeps (applied when it is opened, at most hourly).
    public var historyRetention = HistoryRetention.standard
    /// Per-request timeout.
    public var timeout: TimeInterval = 70
    /// Attempts per call, first one included.
    public var maxAttempts = 4
    /// Leaky bucket override (`BURST/PER_SECOND`); nil: the profile's, else 50/2.
    public var bucket: String?
    /// Slots of the leaky bucket's burst to leave unused; nil keeps 5 % free (see ``SharedLeakyBucket/usableBurst``).
    public var burstReserve: Double?
    /// Longest wait for an operating-time reset before giving up.
    public var maxOperatingWait: TimeInterval = 600
    /// How long a write's stored response is replayed for its idempotency key.
    public var idempotencyTTL: TimeInterval = 24 * 3600
    /// How long a plan stays executable.
    public var planTTL: TimeInterval = 3600
    /// Hears every event of every call of this client, before the call's own observer (the CLI announces waits
    /// of ``announcedWait`` seconds or more from it).
    public var observer: CallObserver?
    /// The shortest wait worth announcing to a person.
    public static let announcedWait: TimeInterval = 2

    public init() {}
}

/// One method call as the user asked for it.
public struct CallRequest: Sendable {
    public var method: String
    public var params: JSONValue
    public var apiVersion: APIVersion
    public var confirmWrite = false
    public var confirmDestructive = false
    /// Explicit idempotency key for a write (otherwise derived from profile + method + params).
    public var idempotencyKey: String?
    /// Set when the call executes a stored plan.
    public var planID: String?
    /// Where the finished call is recorded; `.standard` follows ``ClientOptions/history`` and ``ClientOptions/audit``.
    public var recording: CallRecording = .standard
    /// The group the call belongs to in history (a chain run's step), nil for a call of its own.
    public var group: String?
    /// A read of the portal's metadata made by b24 itself (a diagnosis): one of ``B24Client/discoveryMethods``
    /// passes whatever packs the profile allows.
    var discovery = false
    /// Set when the call applies a reviewed diff: its hash and change summary go to the audit line.
    public var review: ReviewStamp?

    public init(method: String, params: JSONValue = .emptyObject, apiVersion: APIVersion = .v2) {
        self.method = method
        self.params = params
        self.apiVersion = apiVersion
    }
}

/// The result of a call: the portal's envelope or a typed error, and the full trace.
public struct CallOutcome: Sendable {
    public var trace: CallTrace
    public var result: Result<JSONValue, B24Error>
    /// Problems that did not fail the call (history or audit could not be written).
    public var warnings: [String] = []

    public init(trace: CallTrace, result: Result<JSONValue, B24Error>, warnings: [String] = []) {
        self.trace = trace
        self.result = result
        self.warnings = warnings
    }

    /// The envelope's `result` on success.
    public var value: JSONValue? { try? result.get()["result"] }
}

/// The shared Bitrix24 client: every console screen and every CLI command calls the portal through it.
///
/// A call passes the guardrails (``Guardrails``: method name, allowlist, risk and confirmations, read-only and
/// plan rules), the idempotency ledger (claim or replay), the attempt loop (operating-time budget, leaky bucket,
/// HTTP, token refresh, ``RetryPolicy``), and the call recorder (history and audit, as ``CallRequest/recording``
/// says). Each step is a ``CallEvent``; the stored ``CallTrace`` is folded from the same events.
public final class B24Client: @unchecked Sendable {
    public let resolved: ResolvedProfile
    public let options: ClientOptions
    public let catalog: Catalog
    public let policy: AllowPolicy
    public let paths: B24Paths
    let transport: HTTPTransport
    let authStore: AuthStore
    let refresher: TokenRefresher
    let bucket: SharedLeakyBucket
    let budget: OperatingBudget
    let backoff: BackoffPolicy
    let retryPolicy: RetryPolicy
    /// As many requests in flight as the transport keeps connections (see `NIOHTTPTransport`).
    let inFlight = InFlightLimit(permits: NIOHTTPTransport.connectionsPerHost)
    let ledger: IdempotencyLedger
    /// The database, opened on first use and shared with the ledger.
    private let database: LazyStore
    private let state = NSLock()
    private var currentOAuth: OAuthAuth?
    private var redactorStorage: Redactor

    public var profile: Profile { resolved.profile }

    /// Who the calls go to and as whom: profile name, portal and user or app. Plans and idempotency records are
    /// bound to it, so a one-off `--webhook` to another portal never replays or runs what was meant for this one.
    public var identity: String { Self.identity(of: profile) }

    private static func identity(of profile: Profile) -> String {
        let portal = SharedLeakyBucket.portalKey(for: profile.portal)
        switch profile.auth {
        case .webhook(let webhook): return "\(profile.name)@\(portal)/user\(webhook.userID)"
        case .oauth(let oauth): return "\(profile.name)@\(portal)/app:\(oauth.clientID)"
        }
    }

    public init(profile resolved: ResolvedProfile, paths: B24Paths, options: ClientOptions = ClientOptions(),
                transport: HTTPTransport? = nil, catalog: Catalog = .bundled) throws
    {
        self.resolved = resolved
        self.options = options
        self.catalog = catalog
        self.paths = paths
        let transport = transport ?? NIOHTTPTransport(timeout: options.timeout)
        self.transport = transport
        authStore = AuthStore(paths: paths)
        refresher = TokenRefresher(store: authStore, oauthClient: OAuthClient(transport: transport))
        let profile = resolved.profile
        do {
            policy = try AllowPolicy(
                packs: options.packs ?? profile.packs ?? [catalog.defaultPackName],
                extraPatterns: options.methodAllowlist + (profile.methodAllowlist ?? []),
                allowUnlisted: options.allowUnlisted, catalog: catalog)
        } catch {
            throw B24Error.usage("\(error)")
        }
        let settings: LimiterSettings
        do {
            settings = try (options.bucket ?? profile.bucket).map(LimiterSettings.parseBucket) ?? LimiterSettings()
        } catch let error as B24Error {
            throw error
        } catch {
            throw B24Error.usage("\(error)")
        }
        let portalKey = SharedLeakyBucket.portalKey(for: profile.portal)
        bucket = SharedLeakyBucket(portal: portalKey, settings: settings, paths: paths, reserve: options.burstReserve)
        // Operating time is charged per app or webhook: one webhook's spent budget must not hold up another's.
        budget = OperatingBudget(portal: portalKey + "@" + OperatingBudget.callerKey(for: profile.auth), settings: settings, paths: paths)
        backoff = BackoffPolicy(maxAttempts: options.maxAttempts)
        retryPolicy = RetryPolicy(maxAttempts: options.maxAttempts, maxOperatingWait: options.maxOperatingWait,
                                  rateLimitInterval: 1 / max(settings.perSecond, 0.01))
        if case .oauth(let oauth) = profile.auth { currentOAuth = oauth }
        redactorStorage = Redactor(profile.secrets)
        let database = LazyStore(path: paths.databaseFile, retention: options.historyRetention)
        self.database = database
        ledger = IdempotencyLedger(identity: Self.identity(of: profile), ttl: options.idempotencyTTL, store: database.open)
    }

    /// The redactor that knows every secret this client has seen, including refreshed tokens.
    public var redactor: Redactor {
        state.withLock { redactorStorage }
    }

    /// The history/plan/idempotency database, opened on first use.
    public func store() throws -> B24Store {
        try database.open()
    }

    // MARK: Policy

    /// The risk of a call: from the catalog, else by verb; a batch takes the highest risk of its commands.
    public func risk(of method: String, params: JSONValue) -> RiskClass {
        Guardrails.risk(of: method, params: params, catalog: catalog)
    }

    /// Runs every guardrail that does not need the network; throws `.usage` or `.refused`.
    public func checkPolicy(_ request: CallRequest, forPlan: Bool = false) throws -> RiskClass {
        try guardrails(request, forPlan: forPlan).risk
    }

    /// The guardrails' verdict on a call for this client, or nil when it would pass them (malformed input is not a
    /// refusal and also gives nil: the call itself reports it).
    public func refusal(for request: CallRequest, forPlan: Bool = false) -> Refusal? {
        do {
            _ = try guardrails(request, forPlan: forPlan)
            return nil
        } catch B24Error.refused(let refusal) {
            return refusal
        } catch {
            return nil
        }
    }

    func guardrails(_ request: CallRequest, forPlan: Bool) throws -> Guardrails.Checked {
        try Guardrails.check(request, profile: profile, options: options, policy: policy, catalog: catalog, forPlan: forPlan)
    }

    // MARK: Calls

    /// Calls a method through every guardrail. Never throws: failures are in the outcome. `observer` hears each
    /// step as it happens; cancelling the calling task ends any wait or retry at once.
    public func call(_ request: CallRequest, observer: CallObserver? = nil) async -> CallOutcome {
        var request = request
        let risk: RiskClass
        do {
            let checked = try guardrails(request, forPlan: false)
            (request, risk) = (checked.request, checked.risk)
            if case .oauth = profile.auth, oauthSnapshot()?.accessToken == nil {
                throw B24Error.loginRequired(profile: profile.name, reason: "this OAuth profile has no token yet")
            }
        } catch {
            // A blocked call is audited under the name the portal would have run.
            request.method = MethodName.canonical(request.method)
            return finishEarly(request, error, observer: observer)
        }
        let recording = request.recording.resolved(options)
        let isWrite = risk.mayChangeData
        var idempotencyKey: String?
        // A v3 write is a different call from the v2 one with the same name and params (other URL, other answer
        // shape): its key and stored answer must not be shared.
        let keyedMethod = request.apiVersion == .v3 ? "v3:" + request.method : request.method
        if isWrite {
            idempotencyKey = request.idempotencyKey
                ?? B24Store.derivedIdempotencyKey(profile: identity, method: keyedMethod.lowercased(), params: request.params)
        }
        var trace = newTrace(request, risk: risk)
        trace.idempotencyKey = idempotencyKey
        let run = start(trace, observer: observer)
        var claimed = false
        if let key = idempotencyKey {
            switch ledger.claim(key: key, method: keyedMethod, params: request.params, trace: run.trace, recording: recording) {
            case .claimed: claimed = true
            case .replay(let response):
                run.builder.trace.replayed = true
                return finish(run, .success(response), recording)
            case .refused(let error): return finish(run, .failure(error), recording)
            case .unprotected: break  // no database: the write still goes out, unprotected against a re-run
            }
        }
        // A portal may echo a secret (an event handler registered with a webhook URL, a proxy repeating the
        // request): the answer is masked before it is stored, recorded or shown.
        let sent = await send(request, isWrite: isWrite, idempotencyKey: idempotencyKey, run: run)
        // Read after sending: a token refreshed during the call is a secret to mask too.
        let redactor = self.redactor
        let result = sent.map { redactor.redact(json: $0) }
        guard claimed, let key = idempotencyKey else { return finish(run, result, recording) }
        // An interruption that got here first recorded the call and is ending the process.
        return ledger.settle(key: key, method: keyedMethod, params: request.params, result: result) { record in
            finish(run, result, record ? recording : .none)
        }
    }

    /// Settles the writes in flight as "outcome unknown" when the process is being stopped (Ctrl+C, SIGTERM):
    /// their keys stay blocked as for a lost answer, and history and audit record them. Returns one error
    /// line per write, for the terminal.
    /// A write stopped before any request left releases its key instead (nothing reached the portal).
    public func interruptWritesInFlight() -> [String] {
        ledger.interrupt { trace, error, recording in
            _ = finish(CallRun(trace: trace, observers: []), .failure(error), recording)
        }
    }

    /// True for a batch answer with per-command errors (`result_error`, as a map or a list).
    static func hasFailedCommands(_ envelope: JSONValue) -> Bool {
        guard let errors = envelope["result"]?["result_error"] else { return false }
        return !(errors.objectValue ?? [:]).isEmpty
    }

    /// A batch whose commands all failed changed nothing and is not worth replaying: after the cause is fixed,
    /// the same batch must run again. (One in which some succeeded is kept, so those are not repeated.)
    static func noCommandSucceeded(_ envelope: JSONValue) -> Bool {
        guard hasFailedCommands(envelope) else { return false }
        let succeeded = envelope["result"]?["result"]?.objectValue?.values.contains { $0 != .null } ?? false
        return !succeeded
    }

    // MARK: Trace and recording

    private func newTrace(_ request: CallRequest, risk: RiskClass) -> CallTrace {
        let preview = RequestBuilder.build(
            profile: profile, method: request.method, params: .emptyObject, version: request.apiVersion,
            accessToken: nil, idempotencyKey: nil)
        let redactor = self.redactor
        var trace = CallTrace(
            profile: profile.name, method: request.method, apiVersion: request.apiVersion, risk: risk.rawValue,
            request: .init(httpMethod: preview.method, url: redactor.redact(preview.url.absoluteString),
                           params: redactor.redact(json: request.params)))
        trace.planID = request.planID
        trace.group = request.group
        trace.diffHash = request.review?.hash
        trace.changeSummary = request.review?.summary
        return trace
    }

    /// A running call whose first event, `.started`, has been told.
    private func start(_ trace: CallTrace, observer: CallObserver?) -> CallRun {
        let run = CallRun(trace: trace, observers: [options.observer, observer].compactMap { $0 })
        run.emit(.started(method: trace.method, risk: trace.risk, request: trace.request))
        return run
    }

    /// A call that ended before the network: refused by a guardrail (recorded: someone tried it) or malformed
    /// (never became a call, not recorded).
    func finishEarly(_ request: CallRequest, _ error: Error, observer: CallObserver?) -> CallOutcome {
        let failure = (error as? B24Error) ?? .usage("\(error)")
        let run = start(newTrace(request, risk: risk(of: request.method, params: request.params)), observer: observer)
        switch failure {
        case .policy, .refused: return finish(run, .failure(failure), request.recording.resolved(options))
        default: return finish(run, .failure(failure), .none)
        }
    }

    private func finish(_ run: CallRun, _ result: Result<JSONValue, B24Error>, _ recording: CallRecording) -> CallOutcome {
        let redactor = self.redactor
        let trace = run.builder.finish(result, redactor: redactor)
        let recorder = CallRecorder(paths: paths, redactor: redactor, database: database)
        let warnings = recorder.record(trace, in: recording)
        run.emit(.finished(status: trace.status))
        return CallOutcome(trace: trace, result: result.mapError { CallRecorder.redact($0, redactor) }, warnings: warnings)
    }

    // MARK: Token state

    func oauthSnapshot() -> OAuthAuth? {
        state.withLock { currentOAuth }
    }

    func adopt(_ oauth: OAuthAuth) {
        state.withLock {
            currentOAuth = oauth
            for secret in [oauth.accessToken, oauth.refreshToken].compactMap({ $0 }) { redactorStorage.add(secret) }
        }
    }
}
