import B24Catalog
import B24Client
import B24Sandbox
import Foundation
import TerminalKit

/// How the console was started: `b24 [--profile NAME] [--theme NAME] [--read-only]`.
public struct ConsoleLaunch: Sendable {
    public var profile: String?
    public var theme: String?
    public var readOnly: Bool
    public var environment: [String: String]

    public init(profile: String? = nil, theme: String? = nil, readOnly: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.profile = profile
        self.theme = theme
        self.readOnly = readOnly
        self.environment = environment
    }
}

/// Runs the effects that touch the world: profiles, the embedded sandbox, calls through B24Client,
/// themes, the limiter file. Every method returns the action that reports the result.
public final class ConsoleServices: @unchecked Sendable {
    public let launch: ConsoleLaunch
    let paths: B24Paths
    private let lock = NSLock()
    private var client: B24Client?
    /// The connection generation `client` belongs to: a late connect of an older generation never replaces it.
    private var clientGeneration = 0
    private var sandbox: Sandbox?
    /// The embedded sandbox's OAuth app, for event methods (see ``eventClient(generation:)``).
    private var sandboxApp: (generation: Int, client: B24Client)?
    /// Colour depth of the terminal, for theme downgrades.
    public var colorDepth: ColorDepth = .indexed256

    /// Read-only discovery methods the console calls whatever packs the profile allows (``B24Client/discoveryMethods``).
    public static var discoveryMethods: [String] { B24Client.discoveryMethods }

    public init(launch: ConsoleLaunch) {
        self.launch = launch
        paths = B24Paths.fromEnvironment(launch.environment)
    }

    /// Runs `body` under the lock (a synchronous helper: NSLock is not for async contexts).
    private func withLock<T>(_ body: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body()
    }

    /// The client of the current connection.
    public var currentClient: B24Client? { lock.lock(); defer { lock.unlock() }; return client }

    /// The client of connection `generation`, nil when that connection is not (or no longer) the installed one.
    func client(generation: Int) -> B24Client? {
        lock.lock(); defer { lock.unlock() }
        return clientGeneration == generation ? client : nil
    }

    /// The embedded sandbox, once started.
    public var embeddedSandbox: Sandbox? { lock.lock(); defer { lock.unlock() }; return sandbox }

    /// Saved profiles for the switcher (portal URLs only, never auth).
    func profileEntries() -> [ProfileEntry] {
        guard let file = try? AuthStore(paths: paths).load() else { return [] }
        return file.profiles.keys.sorted().compactMap { name in
            guard let p = file.profiles[name] else { return nil }
            return ProfileEntry(name: name, portal: p.portal.absoluteString, isDefault: file.defaultProfile == name,
                                production: p.production)
        }
    }

    /// Connects to `profile` (nil: `--profile`, else the environment/default profile, else the sandbox) as
    /// connection `generation`.
    public func connect(profile requested: String?, generation: Int) async -> Action {
        let profiles = profileEntries()
        do {
            let resolved: ResolvedProfile
            var isSandbox = false
            let name = requested ?? launch.profile
            if name == ProfileEntry.sandboxName || (name == nil && !hasConfiguredProfile()) {
                resolved = try await sandboxProfile()
                isSandbox = true
            } else {
                resolved = try ProfileResolver.resolve(webhook: nil, profileName: name, store: AuthStore(paths: paths),
                                                       environment: launch.environment)
            }
            var options = ClientOptions()
            options.readOnly = launch.readOnly
            // The discovery reads pass whatever packs the profile allows; they are recorded nowhere (each
            // asks for `.none`), while calls a person makes keep history and audit.
            options.methodAllowlist = Self.discoveryMethods
            options.timeout = 20
            let newClient = try B24Client(profile: resolved, paths: paths, options: options)
            let installed = withLock { () -> Bool in
                guard generation >= clientGeneration else { return false }
                client = newClient
                clientGeneration = generation
                return true
            }
            // Overtaken by a newer connect while this one was slow: its answer is dropped by the reducer anyway.
            guard installed else { return .connectFailed("replaced by a newer connection", profiles: profiles, generation: generation) }
            let p = resolved.profile
            let info = ConnectionInfo(
                profile: isSandbox ? ProfileEntry.sandboxName : p.name,
                portal: newClient.redactor.redact(p.portal.absoluteString),
                auth: p.authSummary, isSandbox: isSandbox, production: p.production,
                readOnly: launch.readOnly || p.readOnly, theme: p.theme, bucket: p.bucket ?? LimiterSettings().bucketDescription)
            return .connected(info, profiles: profiles, generation: generation)
        } catch let error as B24Error {
            return .connectFailed(error.message, profiles: profiles, generation: generation)
        } catch {
            return .connectFailed("\(error)", profiles: profiles, generation: generation)
        }
    }

    /// True when a profile would be picked without `--profile`: environment variables or a default.
    func hasConfiguredProfile() -> Bool {
        if let domain = launch.environment["B24_DOMAIN"], !domain.isEmpty { return true }
        guard let file = try? AuthStore(paths: paths).load() else { return true }  // let the resolver report it
        return file.defaultProfile.map { file.profiles[$0] != nil } ?? false
    }

    /// Starts the embedded sandbox once (limits as a real portal, free port) and returns its admin profile.
    func sandboxProfile() async throws -> ResolvedProfile {
        let running: Sandbox
        if let existing = embeddedSandbox {
            running = existing
        } else {
            var options = SandboxOptions()
            // A simulated colleague for demos and the events screen's end-to-end test.
            options.activityPerSecond = max(0, Double(launch.environment["B24_SANDBOX_ACTIVITY"] ?? "") ?? 0)
            do { running = try await Sandbox.start(options) } catch {
                throw B24Error.usage("cannot start the sandbox portal: \(error)")
            }
            withLock { sandbox = running }
        }
        let parsed = try WebhookAuth.parse(running.adminWebhookURL.absoluteString)
        return ResolvedProfile(profile: Profile(name: ProfileEntry.sandboxName, portal: parsed.portal, auth: .webhook(parsed.auth)),
                               isSaved: false)
    }

    /// One call through B24Client on the client of connection `generation` (nil when that connection is not the
    /// installed one: a call meant for one portal never goes to another). Cancelling the task cancels the call.
    public func call(_ request: CallRequest, generation: Int) async -> CallOutcome? {
        if request.method.lowercased().hasPrefix("event.") { return await eventClient(generation: generation)?.client.call(request) }
        return await client(generation: generation)?.call(request)
    }

    /// The client for event methods, which need application context: the connection's own, or on the embedded
    /// sandbox its OAuth app (whose application token and member id the console knows, so its receiver trusts
    /// the sandbox's deliveries). `authStore` is where the profile is saved (nil for the sandbox).
    func eventClient(generation: Int) -> (client: B24Client, authStore: AuthStore?)? {
        guard let client = client(generation: generation) else { return nil }
        guard let sandbox = embeddedSandbox, client.profile.name == ProfileEntry.sandboxName else {
            return (client, AuthStore(paths: paths))
        }
        if let cached = withLock({ sandboxApp?.generation == generation ? sandboxApp?.client : nil }) { return (cached, nil) }
        let tokens = sandbox.issueTokens(userID: 1)
        var oauth = OAuthAuth(clientID: sandbox.oauthClientID, clientSecret: Secret(sandbox.oauthClientSecret),
                              oauthServer: sandbox.oauthServerURL)
        oauth.accessToken = Secret(tokens.access)
        oauth.refreshToken = Secret(tokens.refresh)
        oauth.expiresAt = Date().addingTimeInterval(TimeInterval(tokens.expiresIn))
        var profile = Profile(name: ProfileEntry.sandboxName, portal: sandbox.baseURL, auth: .oauth(oauth))
        profile.events = EventTrust(applicationToken: Secret(sandbox.applicationToken), memberID: sandbox.memberID)
        guard let app = try? B24Client(profile: ResolvedProfile(profile: profile, isSaved: false), paths: paths,
                                       options: client.options) else { return nil }
        withLock { sandboxApp = (generation, app) }
        return (app, nil)
    }

    /// A stream's messages for connection `generation` until it ends; cancelling the consuming task stops the work.
    public func stream(_ spec: StreamSpec, generation: Int) -> AsyncStream<Answer> {
        AsyncStream { continuation in
            let work = Task.detached { [self] in
                defer { continuation.finish() }
                if case .searchResponse(let value, let query) = spec {
                    continuation.yield(.streamed(.searchFound(query: query, JSONSearch.hits(in: value, query: query))))
                    return
                }
                if case .clock(let every) = spec {
                    while !Task.isCancelled {
                        continuation.yield(.streamed(.clock(Date())))
                        try? await Task.sleep(nanoseconds: UInt64(every * 1e9))
                    }
                    return
                }
                guard let client = client(generation: generation) else {
                    continuation.yield(.ended("not connected"))
                    return
                }
                switch spec {
                case .searchResponse, .clock:
                    break  // answered above: they need no portal
                case .diagnosis(let subject):
                    let report = await client.diagnose(subject) { continuation.yield(.streamed(.finding($0))) }
                    continuation.yield(.streamed(.diagnosed(report)))
                case .eventTail(let options):
                    guard let events = eventClient(generation: generation) else { break }
                    await Self.runTail(client: events.client, authStore: events.authStore, options: options,
                                       continuation: continuation)
                case .observedCall(let request):
                    let outcome = await client.call(request) { event in continuation.yield(.streamed(.callEvent(event, at: Date()))) }
                    continuation.yield(.call(outcome))
                case .allPages(let request):
                    // Start/next paging (not the fast cursor): it keeps the user's order and gives a total to show.
                    let outcome = await client.callAllPages(request, fast: false, onPage: { page in continuation.yield(.streamed(.page(page))) })
                    continuation.yield(.streamed(.pagingFinished(error: outcome.error.map(ConsoleWords.error), warnings: outcome.warnings)))
                case .review(let request):
                    let result = await client.review(request)
                    continuation.yield(.streamed(.reviewed(result.mapError { ConsoleFailure(ConsoleWords.error($0)) })))
                case .applyReview(let reviewed, let confirmWrite, let confirmDestructive, let key):
                    let applied = await client.apply(reviewed, confirmWrite: confirmWrite,
                                                     confirmDestructive: confirmDestructive, idempotencyKey: key)
                    continuation.yield(.streamed(.applied(applied)))
                case .reviewRevert(let reviewed, let applied):
                    switch client.revertRequest(of: reviewed, applied: applied) {
                    case .success(let request):
                        let result = await client.review(request)
                        continuation.yield(.streamed(.reviewed(result.mapError { ConsoleFailure(ConsoleWords.error($0)) })))
                    case .failure(let error):
                        continuation.yield(.streamed(.reviewed(.failure(ConsoleFailure(ConsoleWords.error(error))))))
                    }
                case .reviewPlan(let id):
                    switch await client.reviewPlan(id: id) {
                    case .failure(.refused(let refusal)) where refusal.gate == .stalePlan:
                        var stale = AppliedWrite(status: .stale)
                        stale.moved = refusal.moved
                        continuation.yield(.streamed(.applied(stale)))
                    case let result:
                        continuation.yield(.streamed(.reviewed(result.mapError { ConsoleFailure(ConsoleWords.error($0)) })))
                    }
                case .applyPlan(let id, let reviewed, let confirmWrite, let confirmDestructive):
                    let applied = await client.applyPlan(id, reviewed: reviewed, confirmWrite: confirmWrite,
                                                         confirmDestructive: confirmDestructive)
                    continuation.yield(.streamed(.applied(applied)))
                case .saveReviewedPlan(let reviewed):
                    do {
                        continuation.yield(.streamed(.planSaved(.success(try client.plan(reviewed).id))))
                    } catch {
                        let failure = (error as? B24Error) ?? .usage("\(error)")
                        continuation.yield(.streamed(.planSaved(.failure(ConsoleFailure(ConsoleWords.error(failure))))))
                    }
                }
            }
            continuation.onTermination = { _ in work.cancel() }
        }
    }

    /// Runs an event tail for the events screen until the consuming task is cancelled (the page closed).
    static func runTail(client: B24Client, authStore: AuthStore?, options: EventTail.Options,
                        continuation: AsyncStream<Answer>.Continuation) async {
        let tail: EventTail
        do {
            tail = EventTail(client: client, store: try client.store(), authStore: authStore, options: options)
            try await tail.start()
        } catch {
            continuation.yield(.ended(ConsoleWords.error((error as? B24Error) ?? .usage("\(error)"))))
            return
        }
        let store = tail.store
        let ticks = Task {
            var count = 0
            while !Task.isCancelled {
                continuation.yield(.streamed(.tailTick(Date())))
                // The worker runs in its own process; its DLQ is in the shared database.
                if count % 5 == 0, let letters = try? store.deadLetterCount() { continuation.yield(.streamed(.deadLetters(letters))) }
                count += 1
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
        await withTaskCancellationHandler {
            for await item in tail.items { continuation.yield(.streamed(.tail(item))) }
        } onCancel: {
            Task { await tail.stop() }
        }
        ticks.cancel()
    }

    /// Reads stored calls: the history of every process on this machine (console and CLI).
    public func load(_ spec: LoadSpec) -> Answer {
        do {
            let store = try B24Store(path: paths.databaseFile)
            defer { try? store.close() }
            switch spec {
            case .history(let limit):
                return .loaded(.history(try store.recentHistory(limit: limit)))
            case .trace(let id):
                guard let trace = try store.trace(id: id) else { return .ended("no call \(id) in history (pruned?)") }
                return .loaded(.trace(trace))
            case .events(let profile, let before, let limit):
                return .loaded(.events(try store.events(profile: profile, before: before, limit: limit)))
            }
        } catch {
            return .ended("\(error)")
        }
    }

    /// The call's cURL command with the real secret, from the client of connection `generation` (which must be
    /// the call's profile). For the clipboard only: never shown, stored or logged.
    func curlWithSecret(_ copy: SecretCopy, generation: Int) -> Result<String, ConsoleFailure> {
        guard let client = client(generation: generation) else { return .failure(ConsoleFailure("not connected")) }
        do {
            let request = try client.revealedRequest(copy.request, method: copy.method, apiVersion: copy.apiVersion,
                                                     profile: copy.profile)
            return .success(InspectorScreen.curl(request, revealed: true))
        } catch let error as B24Error {
            return .failure(ConsoleFailure(error.message))
        } catch {
            return .failure(ConsoleFailure("\(error)"))
        }
    }

    /// Resolves a theme (NO_COLOR and colour depth applied).
    /// The name says what is really shown: "mono (NO_COLOR)" or "mono (no colours)" when the theme asked for
    /// was replaced by mono.
    public func loadTheme(_ name: String) -> Action {
        do {
            let store = themeStore
            let theme = try store.resolve(name, depth: colorDepth)
            let label = store.noColor ? "mono (NO_COLOR)" : (colorDepth == .mono && name != "mono" ? "mono (no colours)" : name)
            return .themeLoaded(name: label, theme)
        } catch {
            return .themeFailed(abbreviateHome("\(error)"))
        }
    }

    /// The shared leaky-bucket level of connection `generation`'s portal.
    public func readLimiter(generation: Int) -> Action {
        guard let client = client(generation: generation) else {
            return .limiterRead(.failure(ConsoleFailure("not connected")), generation: generation)
        }
        let settings = (try? client.profile.bucket.map(LimiterSettings.parseBucket)) ?? LimiterSettings()
        let bucket = SharedLeakyBucket(portal: SharedLeakyBucket.portalKey(for: client.profile.portal), settings: settings, paths: paths)
        do {
            let level = try bucket.currentLevel()
            let rate = settings.perSecond == settings.perSecond.rounded() ? String(Int(settings.perSecond)) : String(settings.perSecond)
            let text = String(format: "%.1f of %.0f requests in the bucket", level, bucket.usableBurst) + ", drains \(rate)/s"
            return .limiterRead(.success(text), generation: generation)
        } catch {
            return .limiterRead(.failure(ConsoleFailure("\(error)")), generation: generation)
        }
    }

    /// Built-in themes and the user's, in b24's config directory.
    var themeStore: ThemeStore { ThemeStore(configDirectory: paths.configDirectory.path, environment: launch.environment) }

    /// Paths under `$HOME` shown as `~/…`, so file names in messages fit the status line.
    public func abbreviateHome(_ text: String) -> String {
        guard let home = launch.environment["HOME"], home.count > 1 else { return text }
        return text.replacingOccurrences(of: home.hasSuffix("/") ? home : home + "/", with: "~/")
    }

    /// Stops the embedded sandbox, if any.
    public func shutdown() async {
        let running = embeddedSandbox
        withLock { sandbox = nil; client = nil }
        await running?.stop()
    }

    /// ``shutdown()``, waiting at most `limit` seconds: on quit the terminal is already given back and the
    /// process ends next, so a server slow to drain its connections must not hold the user's shell.
    public func shutdown(waitingAtMost limit: TimeInterval) async {
        let (finished, signal) = AsyncStream<Void>.makeStream()
        Task { await self.shutdown(); signal.yield() }
        Task { try? await Task.sleep(nanoseconds: UInt64(max(0, limit) * 1e9)); signal.yield() }
        for await _ in finished { break }
    }
}
