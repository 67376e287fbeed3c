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
    /// Longest wait for an operating-time reset before giving up.
    public var maxOperatingWait: TimeInterval = 600
    /// How long a write's stored response is replayed for its idempotency key.
    public var idempotencyTTL: TimeInterval = 24 * 3600
    /// How long a plan stays executable.
    public var planTTL: TimeInterval = 3600
    /// Hears every wait of ``announcedWait`` seconds or more before it starts (rate limiter, operating-time
    /// reset, retry backoff), as one line such as "waiting 12 s for the rate limiter of portal.bitrix24.com:443".
    public var onWait: (@Sendable (String) -> Void)?
    /// The shortest wait `onWait` hears about.
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

    /// The envelope's `result` on success.
    public var value: JSONValue? { try? result.get()["result"] }
}

/// The shared Bitrix24 client: every console screen and every CLI command calls the portal through it.
///
/// A call goes through the guardrails in this order: method name check, allowlist, risk and confirmations,
/// read-only and plan rules, idempotent replay, operating-time budget, leaky bucket, then HTTP with retries,
/// token refresh, and finally history and audit.
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
    /// As many requests in flight as the transport keeps connections (see `NIOHTTPTransport`).
    let inFlight = InFlightLimit(permits: NIOHTTPTransport.connectionsPerHost)
    private let state = NSLock()
    private let storeLock = NSLock()
    private var currentOAuth: OAuthAuth?
    private var redactorStorage: Redactor
    private var storeStorage: B24Store?
    /// Writes claimed under an idempotency key and not yet settled, by key, with whether a request left for the
    /// portal yet (guarded by `state`): what an interruption must settle.
    private var unsettledWrites: [String: (trace: CallTrace, sentAt: Date?)] = [:]
    /// Held while a write is settled and recorded, by the call or by an interruption, so the two never both do it
    /// and the process is not ended halfway through.
    private let settling = NSLock()

    public var profile: Profile { resolved.profile }

    /// Who the calls go to and as whom: profile name, portal and user or app. Plans and idempotency records are
    /// bound to it, so a one-off `--webhook` to another portal never replays or runs what was meant for this one.
    public var identity: String {
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
        bucket = SharedLeakyBucket(portal: portalKey, settings: settings, paths: paths)
        // Operating time is charged per app or webhook: one webhook's spent budget must not hold up another's.
        budget = OperatingBudget(portal: portalKey + "@" + OperatingBudget.callerKey(for: profile.auth), settings: settings, paths: paths)
        backoff = BackoffPolicy(maxAttempts: options.maxAttempts)
        if case .oauth(let oauth) = profile.auth { currentOAuth = oauth }
        redactorStorage = Redactor(profile.secrets)
    }

    /// The redactor that knows every secret this client has seen, including refreshed tokens.
    public var redactor: Redactor {
        state.lock()
        defer { state.unlock() }
        return redactorStorage
    }

    /// The history/plan/idempotency database, opened on first use.
    public func store() throws -> B24Store {
        // A lock of its own: opening takes milliseconds and must not hold up the redactor or token state.
        try storeLock.withLock {
            if let storeStorage { return storeStorage }
            let opened = try B24Store(path: paths.databaseFile, retention: options.historyRetention)
            storeStorage = opened
            return opened
        }
    }

    // MARK: Policy

    /// The risk of a call: from the catalog, else by verb; a batch takes the highest risk of its commands.
    public func risk(of method: String, params: JSONValue) -> RiskClass {
        if MethodName.canonical(method).lowercased() == "batch" {
            return catalog.risk(ofBatch: Self.batchCommandStrings(params))
        }
        return catalog.risk(of: method)
    }

    /// The `cmd` strings of batch parameters, whether `cmd` is a map or a list (PHP reads both).
    static func batchCommandStrings(_ params: JSONValue) -> [String] {
        (params.member(caseInsensitive: "cmd")?.objectValue ?? [:]).values.map { $0.stringValue ?? "" }
    }

    /// Runs every guardrail that does not need the network; throws `.usage` or `.policy`.
    public func checkPolicy(_ request: CallRequest, forPlan: Bool = false) throws -> RiskClass {
        try checked(request, forPlan: forPlan).risk
    }

    /// The request with the method name the portal runs (no `.json`, no trailing `/`), which is what policy,
    /// budget and history see, and its risk once every offline guardrail passed.
    private func checked(_ request: CallRequest, forPlan: Bool = false) throws -> (request: CallRequest, risk: RiskClass) {
        var request = request
        request.method = try RequestBuilder.normalizedMethodName(request.method)
        guard case .object = request.params else {
            throw B24Error.usage("parameters must be a JSON object, not \(request.params.kindName)")
        }
        try checkAllowed(request.method)
        if request.method.lowercased() == "batch" {
            for command in Self.batchCommandStrings(request.params) {
                let raw = String(command.split(separator: "?", maxSplits: 1).first ?? "")
                let method = try RequestBuilder.normalizedMethodName(raw)
                if method.lowercased() == "batch" {
                    throw B24Error.policy("a batch cannot contain another batch (the portal refuses nested batch)")
                }
                try checkAllowed(method)
            }
        }
        let risk = risk(of: request.method, params: request.params)
        guard risk.mayChangeData else { return (request, risk) }
        if profile.readOnly {
            throw B24Error.policy("\(request.method) is a \(risk) call and profile '\(profile.name)' is read-only")
        }
        if options.readOnly {
            throw B24Error.policy("\(request.method) is a \(risk) call and this run is --read-only")
        }
        if forPlan { return (request, risk) }
        if risk == .destructive, !request.confirmDestructive {
            throw B24Error.policy("\(request.method) is destructive: add --confirm-destructive to run it")
        }
        if risk != .destructive, !(request.confirmWrite || request.confirmDestructive) {
            throw B24Error.policy("\(request.method) is a \(risk) call: add --confirm-write to run it")
        }
        if (options.requirePlan || profile.requirePlan), request.planID == nil {
            throw B24Error.policy("writes need a plan here: run with --plan-only (a batch: b24 call batch --params … --plan-only), review, then --execute-plan ID")
        }
        return (request, risk)
    }

    private func checkAllowed(_ method: String) throws {
        guard !policy.allows(method) else { return }
        let packs = catalog.packs(containing: method).map(\.name)
        var message = "\(method) is not allowed by the selected packs (\(policy.packNames.isEmpty ? "none" : policy.packNames.joined(separator: ",")))"
        if !packs.isEmpty {
            message += "; it belongs to pack \(packs.joined(separator: "/")): add --packs \(([policy.packNames.first].compactMap { $0 } + [packs[0]]).joined(separator: ","))"
        } else {
            message += "; allow it with --method-allowlist '\(method)' or --allow-unlisted"
        }
        throw B24Error.policy(message)
    }

    // MARK: Plans

    /// Stores the call as a plan bound to this profile, without calling the portal.
    public func plan(_ request: CallRequest, now: Date = Date()) throws -> StoredPlan {
        let (request, risk) = try checked(request, forPlan: true)
        if request.method.lowercased() == "batch",
           Self.batchCommandStrings(request.params).count > BatchInput.limit
        {
            throw B24Error.usage("a planned batch holds at most \(BatchInput.limit) commands; split it into several plans")
        }
        let plan = StoredPlan(
            id: StoredPlan.newID(), profile: identity, method: request.method, apiVersion: request.apiVersion,
            params: request.params, risk: risk.rawValue, createdAt: now, expiresAt: now.addingTimeInterval(options.planTTL))
        try store().savePlan(plan)
        return plan
    }

    /// Runs a stored plan once. Confirmation flags still apply to writes.
    public func executePlan(id: String, confirmWrite: Bool, confirmDestructive: Bool, idempotencyKey: String? = nil) async -> CallOutcome {
        // Look first, check the guardrails, and only then use the plan up: a missing --confirm-write must not
        // burn a plan.
        let plan: StoredPlan
        // What a refusal is audited as: the planned call once the plan is found.
        var attempted = CallRequest(method: "plan:\(id)")
        attempted.planID = id
        do {
            guard let stored = try store().plan(id: id) else {
                throw B24Error.policy("no plan with id \(id) (make one with --plan-only)")
            }
            var request = CallRequest(method: stored.method, params: stored.params, apiVersion: stored.apiVersion)
            request.confirmWrite = confirmWrite
            request.confirmDestructive = confirmDestructive
            request.planID = stored.id
            attempted = request
            _ = try checkPolicy(request)
            plan = try store().consumePlan(id: id, profile: identity, now: Date())
        } catch {
            let failure = (error as? B24Error) ?? .usage("\(error)")
            return finishEarly(attempted, failure)
        }
        var request = CallRequest(method: plan.method, params: plan.params, apiVersion: plan.apiVersion)
        request.confirmWrite = confirmWrite
        request.confirmDestructive = confirmDestructive
        request.planID = plan.id
        request.idempotencyKey = idempotencyKey
        return await call(request)
    }

    // MARK: Calls

    /// Calls a method through every guardrail. Never throws: failures are in the outcome.
    public func call(_ request: CallRequest) async -> CallOutcome {
        var request = request
        let risk: RiskClass
        do {
            (request, risk) = try checked(request)
            if case .oauth = profile.auth, oauthSnapshot()?.accessToken == nil {
                throw B24Error.loginRequired(profile: profile.name, reason: "this OAuth profile has no token yet")
            }
        } catch {
            // A blocked call is audited under the name the portal would have run.
            request.method = MethodName.canonical(request.method)
            return finishEarly(request, (error as? B24Error) ?? .usage("\(error)"))
        }
        var trace = newTrace(request, risk: risk)
        let isWrite = risk.mayChangeData
        var idempotencyKey: String?
        // A v3 write is a different call from the v2 one with the same name and params (other URL, other answer
        // shape): its key and stored answer must not be shared.
        let keyedMethod = request.apiVersion == .v3 ? "v3:" + request.method : request.method
        if isWrite {
            idempotencyKey = request.idempotencyKey
                ?? B24Store.derivedIdempotencyKey(profile: identity, method: keyedMethod.lowercased(), params: request.params)
            trace.idempotencyKey = idempotencyKey
        }
        var claimed = false
        if let key = idempotencyKey {
            // Claimed before sending, so neither a parallel run nor a re-run after a lost answer sends it twice.
            let claim = try? store().claimIdempotencyKey(
                key: key, profile: identity, method: keyedMethod, paramsHash: B24Store.paramsHash(request.params),
                ttl: options.idempotencyTTL, now: Date())
            switch claim {
            case .claimed?:
                claimed = true
                state.withLock { unsettledWrites[key] = (trace, nil) }
            case .replay(let stored)?:
                trace.replayed = true
                trace.response = stored.response
                return finish(trace, .success(stored.response))
            case .usedByOtherCall(let method)?:
                return finish(trace, .failure(.policy(
                    "idempotency key \(key) was already used for a different call (\(method)); use a new key")))
            case .inFlight(let since)?:
                return finish(trace, .failure(.outcomeUnknown(method: request.method, reason:
                    "the same write (key \(key)) was started \(Self.ago(since)) and has not finished, or its b24 was "
                    + "interrupted; to write again after checking, pass a new --idempotency-key")))
            case .outcomeUnknown(let since)?:
                return finish(trace, .failure(.outcomeUnknown(method: request.method, reason:
                    "the same write (key \(key)) was sent \(Self.ago(since)) and its answer was lost; to write again "
                    + "after checking, pass a new --idempotency-key")))
            case nil: break  // no database: the write still goes out, unprotected against a re-run
            }
        }
        // A portal may echo a secret (an event handler registered with a webhook URL, a proxy repeating the
        // request): the answer is masked before it is stored, recorded or shown.
        let result = await send(request, isWrite: isWrite, idempotencyKey: idempotencyKey, trace: &trace).map(redactJSON)
        if claimed, let key = idempotencyKey {
            settling.lock()
            defer { settling.unlock() }
            // An interruption got here first: it recorded the call and is ending the process.
            guard state.withLock({ unsettledWrites.removeValue(forKey: key) }) != nil else {
                return finish(trace, result, record: false)
            }
            switch result {
            case .success(let envelope) where !Self.noCommandSucceeded(envelope):
                // A batch in which some commands failed still ran the others: its answer is kept and replayed
                // like any other, or re-running it would repeat the writes that succeeded.
                try? store().storeIdempotent(
                    key: key, profile: identity, method: keyedMethod,
                    paramsHash: B24Store.paramsHash(request.params),
                    response: envelope, ttl: options.idempotencyTTL, now: Date())
            case .failure(.outcomeUnknown):
                try? store().settleIdempotencyKey(key: key, profile: identity, outcomeUnknown: true)
            default:
                try? store().settleIdempotencyKey(key: key, profile: identity, outcomeUnknown: false)
            }
        }
        return finish(trace, result)
    }

    /// Notes when the first request of a claimed write left (retries keep the first time).
    private func markSent(_ key: String) {
        state.withLock {
            if let write = unsettledWrites[key], write.sentAt == nil { unsettledWrites[key] = (write.trace, Date()) }
        }
    }

    /// Settles the writes in flight as "outcome unknown" when the process is being stopped (Ctrl+C, SIGTERM):
    /// their keys stay blocked as for a lost answer, and history and audit record them. Returns one error
    /// line per write, for the terminal.
    /// A write stopped before any request left releases its key instead (nothing reached the portal).
    public func interruptWritesInFlight() -> [String] {
        settling.lock()
        defer { settling.unlock() }
        let writes = state.withLock { () -> [String: (trace: CallTrace, sentAt: Date?)] in
            defer { unsettledWrites.removeAll() }
            return unsettledWrites
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
            _ = finish(trace, .failure(error))
            return error.message
        }
    }

    /// Tells ``ClientOptions/onWait`` about a wait that is long enough for a person to wonder.
    private func announce(_ seconds: TimeInterval, _ what: String) {
        guard seconds >= ClientOptions.announcedWait, let onWait = options.onWait else { return }
        let shown = seconds < 10 ? String(format: "%.1f", seconds) : String(Int(seconds.rounded(.up)))
        onWait("waiting \(shown) s \(what)")
    }

    /// "12 s ago", "3 min ago": when an earlier run of a write started.
    static func ago(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        return seconds < 120 ? "\(seconds) s ago" : seconds < 7200 ? "\(seconds / 60) min ago" : "\(seconds / 3600) h ago"
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

    private func newTrace(_ request: CallRequest, risk: RiskClass) -> CallTrace {
        let preview = RequestBuilder.build(
            profile: profile, method: request.method, params: .emptyObject, version: request.apiVersion,
            accessToken: nil, idempotencyKey: nil)
        var trace = CallTrace(
            profile: profile.name, method: request.method, apiVersion: request.apiVersion, risk: risk.rawValue,
            request: .init(httpMethod: preview.method, url: redactor.redact(preview.url.absoluteString),
                           params: redactJSON(request.params)))
        trace.planID = request.planID
        return trace
    }

    /// Request parameters or a response with every known secret and webhook code masked in its strings, and
    /// token-bearing members (`auth`, `access_token`, …) masked whole.
    private func redactJSON(_ params: JSONValue) -> JSONValue {
        let redactor = self.redactor
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text): return .string(redactor.redact(text))
            case .array(let items): return .array(items.map(walk))
            case .object(let object):
                var copy = JSONObject()
                for (key, item) in object {
                    copy[key] = ["auth", "access_token", "refresh_token", "client_secret"].contains(key.lowercased())
                        ? .string("****") : walk(item)
                }
                return .object(copy)
            default: return value
            }
        }
        return walk(params)
    }

    private func finishEarly(_ request: CallRequest, _ error: B24Error) -> CallOutcome {
        let trace = newTrace(request, risk: risk(of: request.method, params: request.params))
        // Blocked calls are audited (someone tried them); malformed input never became a call.
        if case .policy = error { return finish(trace, .failure(error)) }
        return finish(trace, .failure(error), record: false)
    }

    private func finish(_ trace: CallTrace, _ result: Result<JSONValue, B24Error>, record: Bool = true) -> CallOutcome {
        var trace = trace
        trace.duration = Date().timeIntervalSince(trace.startedAt)
        let redactor = self.redactor
        var final = result
        switch result {
        case .success(let envelope): trace.response = envelope
        case .failure(let error):
            trace.error = CallTrace.TraceError(error, redactor: redactor)
            final = .failure(redactError(error, redactor))
        }
        var warnings: [String] = []
        if record {
            if options.history {
                do { try recordHistory(trace) } catch { warnings.append("history not written: \(error)") }
            }
            if options.audit {
                do { try AuditLog(file: paths.auditFile, redactor: redactor).append(trace) } catch {
                    warnings.append("audit line not written: \(error)")
                }
            }
        }
        return CallOutcome(trace: trace, result: final, warnings: warnings)
    }

    /// Records a finished call: straight into the database when this client has it open (writes open it for
    /// their idempotency keys), else into the history inbox, which the next opening of the database imports.
    /// A read-only CLI call thus never opens SQLite (about 3 ms of every `b24 call`, Benchmarks/call-vs-curl.py).
    /// An inbox past ``HistoryInbox/importThreshold`` is imported at once (opening the store does it), so a
    /// stream of read-only calls cannot grow it without end.
    private func recordHistory(_ trace: CallTrace) throws {
        if let opened = storeLock.withLock({ storeStorage }) {
            try opened.record(trace)
        } else if try HistoryInbox(database: paths.databaseFile).append(trace) >= HistoryInbox.importThreshold {
            // The trace is safe in the inbox; a database that will not open now is retried by the next call.
            _ = try? store()
        }
    }

    private func redactError(_ error: B24Error, _ redactor: Redactor) -> B24Error {
        switch error {
        case .usage(let text): return .usage(redactor.redact(text))
        case .policy(let text): return .policy(redactor.redact(text))
        case .portal(var portal):
            portal.message = redactor.redact(portal.message)
            portal.validation = portal.validation.map { .init(field: redactor.redact($0.field), message: redactor.redact($0.message)) }
            return .portal(portal)
        case .http(let status, let snippet): return .http(status: status, snippet: redactor.redact(snippet))
        case .transport(let kind, let text): return .transport(kind, redactor.redact(text))
        case .decoding(let text): return .decoding(redactor.redact(text))
        case .outcomeUnknown(let method, let reason): return .outcomeUnknown(method: method, reason: redactor.redact(reason))
        case .loginRequired(let profile, let reason): return .loginRequired(profile: profile, reason: redactor.redact(reason))
        }
    }

    // MARK: Sending with retries

    private func oauthSnapshot() -> OAuthAuth? {
        state.lock()
        defer { state.unlock() }
        return currentOAuth
    }

    private func adopt(_ oauth: OAuthAuth) {
        state.lock()
        defer { state.unlock() }
        currentOAuth = oauth
        for secret in [oauth.accessToken, oauth.refreshToken].compactMap({ $0 }) { redactorStorage.add(secret) }
    }

    /// What to do after a failed attempt.
    private enum Decision {
        case retry(after: TimeInterval, reason: String)
        case refresh
        case giveUp(B24Error)
    }

    private func send(_ request: CallRequest, isWrite: Bool, idempotencyKey: String?, trace: inout CallTrace) async -> Result<JSONValue, B24Error> {
        var attempt = 0
        var refreshed = false
        // A portal whose domain changed answers with a redirect; the request is re-sent once to the new address
        // (the old one ran nothing), and the trace says to update the profile.
        var target = profile
        var followedMove = false
        while true {
            attempt += 1
            do {
                let operatingWait = budget.requiredWait(method: request.method.lowercased(), now: Date())
                if operatingWait > 0 {
                    guard operatingWait <= options.maxOperatingWait else {
                        return .failure(.policy("\(request.method) has used its operating-time budget (OPERATION_TIME_LIMIT); it resets in \(Int(operatingWait.rounded(.up))) s — wait, or pass a larger --max-operating-wait"))
                    }
                    trace.waits.append(.init(reason: "operating-reset", seconds: operatingWait))
                    announce(operatingWait, "for the operating-time budget of \(request.method) to reset (--max-operating-wait caps this)")
                    try await Task.sleep(nanoseconds: UInt64(operatingWait * 1e9))
                }
                await inFlight.acquire()
                let waited: TimeInterval
                do {
                    waited = try await bucket.acquire { self.announce($0, "for the rate limiter of \(self.bucket.portal)") }
                } catch {
                    await inFlight.release()
                    throw error
                }
                if waited > 0.0005 { trace.waits.append(.init(reason: "limiter", seconds: waited)) }
            } catch {
                return .failure((error as? B24Error) ?? .usage("limiter: \(error)"))
            }
            let oauth = oauthSnapshot()
            let httpRequest = RequestBuilder.build(
                profile: target, method: request.method, params: request.params, version: request.apiVersion,
                accessToken: oauth?.accessToken, idempotencyKey: idempotencyKey)
            let started = Date()
            var status: Int?
            let outcome: Result<JSONValue, B24Error>
            do {
                if let key = idempotencyKey { markSent(key) }
                let response = try await transport.send(httpRequest)
                status = response.status
                if [301, 302, 303, 307, 308].contains(response.status) {
                    let moved = response.header("Location").flatMap { Self.portalBase(of: $0) }
                    if let moved, !followedMove, moved != target.portal {
                        followedMove = true
                        target = Self.moving(target, to: moved)
                        trace.attempts.append(.init(
                            number: attempt, startedAt: started, duration: Date().timeIntervalSince(started),
                            httpStatus: response.status, errorCode: "PORTAL_MOVED", decision: "follow once",
                            note: "the portal moved to \(moved.host ?? "?"); update the profile (b24 profile add \(profile.name) … --replace)"))
                        attempt -= 1
                        await inFlight.release()
                        continue
                    }
                    throw B24Error.http(status: response.status, snippet: "redirect to \(moved?.host ?? "an unknown place"); the portal may have moved — check its address")
                }
                outcome = ResponseDecoder.decode(response)
                if case .success(let envelope) = outcome { recordOperating(envelope, method: request.method) }
                if case .failure(.portal(let error)) = outcome, let envelope = try? JSONParser.parse(response.body) {
                    recordOperating(envelope, method: request.method)
                    if error.isOperatingLimit {
                        let resetAt = envelope["time"]?["operating_reset_at"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
                        try? budget.markExhausted(method: request.method.lowercased(), resetAt: resetAt)
                    }
                }
            } catch {
                outcome = .failure((error as? B24Error) ?? .transport(.other, "\(error)"))
            }
            await inFlight.release()
            let duration = Date().timeIntervalSince(started)
            switch outcome {
            case .success(let envelope):
                trace.attempts.append(.init(number: attempt, startedAt: started, duration: duration, httpStatus: status,
                                            errorCode: nil, decision: "done"))
                return .success(envelope)
            case .failure(let error):
                let decision = decide(error, attempt: attempt, isWrite: isWrite, refreshed: refreshed,
                                      method: request.method, oauth: oauth)
                let label: String
                switch decision {
                case .retry(_, let reason): label = "retry (\(reason))"
                case .refresh: label = "refresh token"
                case .giveUp: label = "give up"
                }
                trace.attempts.append(.init(number: attempt, startedAt: started, duration: duration, httpStatus: status,
                                            errorCode: error.auditCode, decision: label,
                                            note: redactor.redact(error.message)))
                switch decision {
                case .giveUp(let final):
                    return .failure(final)
                case .retry(let delay, let reason):
                    if delay > 0 {
                        trace.waits.append(.init(reason: reason, seconds: delay))
                        announce(delay, "before attempt \(attempt + 1) of \(request.method) (\(reason) after \(error.auditCode))")
                        try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    }
                case .refresh:
                    refreshed = true
                    guard let oauth else { return .failure(error) }
                    do {
                        let (fresh, how) = try await refresher.fresh(after: oauth.accessToken, current: oauth, profile: resolved)
                        adopt(fresh)
                        trace.refreshes.append(.init(at: Date(), outcome: how))
                    } catch {
                        trace.refreshes.append(.init(at: Date(), outcome: "failed", note: redactor.redact("\(error)")))
                        return .failure(adviseLogin((error as? B24Error) ?? .loginRequired(profile: profile.name, reason: "token refresh failed")))
                    }
                }
            }
        }
    }

    /// Scheme, host and port of a redirect target.
    static func portalBase(of location: String) -> URL? {
        guard let components = URLComponents(string: location), let host = components.host, !host.isEmpty else { return nil }
        var base = URLComponents()
        base.scheme = components.scheme ?? "https"
        base.host = host
        base.port = components.port
        return base.url
    }

    /// The profile pointed at a portal's new address (the OAuth client endpoint moves with it).
    static func moving(_ profile: Profile, to portal: URL) -> Profile {
        var moved = profile
        moved.portal = portal
        if case .oauth(var oauth) = moved.auth, oauth.clientEndpoint != nil {
            oauth.clientEndpoint = portal.appendingPathComponent("rest")
            moved.auth = .oauth(oauth)
        }
        return moved
    }

    /// `b24 login` cannot help a profile that lives in environment variables; say what can.
    private func adviseLogin(_ error: B24Error) -> B24Error {
        guard case .loginRequired(_, let reason) = error, !resolved.isSaved else { return error }
        return .loginRequired(profile: profile.name, reason: reason + "; set fresh B24_ACCESS_TOKEN and B24_REFRESH_TOKEN (or save an OAuth profile with `b24 profile add NAME --oauth`)")
    }

    private func recordOperating(_ envelope: JSONValue, method: String) {
        try? budget.record(timeOf: envelope, method: method.lowercased())
    }

    /// The retry rules: reads retry transient failures; a write is retried only when the portal provably did
    /// not run it (rate-limited, operating limit, connection refused). A write whose answer was lost is never resent.
    private func decide(_ error: B24Error, attempt: Int, isWrite: Bool, refreshed: Bool, method: String, oauth: OAuthAuth?) -> Decision {
        let canRetry = attempt < backoff.maxAttempts
        let delay = backoff.delay(attempt: attempt)
        switch error {
        case .portal(let portal):
            if portal.isExpiredToken {
                return oauth != nil && !refreshed ? .refresh
                    : .giveUp(oauth == nil ? error : .loginRequired(profile: profile.name, reason: "the portal still rejects the refreshed token (\(portal.code))"))
            }
            if portal.isFatal { return .giveUp(error) }
            if portal.isRateLimited {
                // Tell every b24 process on this machine that the portal's bucket is full.
                try? bucket.markFull()
                return canRetry ? .retry(after: max(delay, 1 / max(bucket.settings.perSecond, 0.01)), reason: "backoff") : .giveUp(error)
            }
            if portal.isOperatingLimit {
                // The portal checks the budget before running the method, so waiting for the reset is safe for
                // writes too; the wait itself happens before the next attempt (see `send`).
                let wait = budget.requiredWait(method: method.lowercased(), now: Date())
                guard canRetry, wait <= options.maxOperatingWait else {
                    return .giveUp(.policy("\(method) has used its operating-time budget (OPERATION_TIME_LIMIT); it resets in \(Int(wait.rounded(.up))) s — wait, or pass a larger --max-operating-wait"))
                }
                return .retry(after: 0, reason: "operating-reset")
            }
            if portal.isServerFault {
                if isWrite {
                    return .giveUp(.outcomeUnknown(method: method, reason: "the portal answered \(portal.code.isEmpty ? "HTTP \(portal.httpStatus)" : portal.code) after the request was sent; it may have partly run"))
                }
                if canRetry { return .retry(after: delay, reason: "backoff") }
            }
            return .giveUp(error)
        case .http(let status, _):
            // A 4xx page means a proxy turned the request away; a 2xx or 5xx page may come after the portal ran it.
            if isWrite, status >= 500 || status < 400 {
                return .giveUp(.outcomeUnknown(method: method, reason: "HTTP \(status) without a Bitrix24 answer after the request was sent"))
            }
            if !isWrite, status >= 500 || status == 429, canRetry { return .retry(after: delay, reason: "backoff") }
            return .giveUp(error)
        case .decoding(let text):
            if isWrite { return .giveUp(.outcomeUnknown(method: method, reason: "the response was unreadable (\(text))")) }
            return canRetry ? .retry(after: delay, reason: "backoff") : .giveUp(error)
        case .transport(let kind, let text):
            switch kind {
            case .connectionRefused:
                return canRetry ? .retry(after: delay, reason: "backoff") : .giveUp(error)
            case .unknownHost, .tls:
                return .giveUp(error)
            case .timeout, .connectionLost, .other:
                if isWrite { return .giveUp(.outcomeUnknown(method: method, reason: "the request was sent but \(text)")) }
                return canRetry ? .retry(after: delay, reason: "backoff") : .giveUp(error)
            }
        default:
            return .giveUp(error)
        }
    }
}
