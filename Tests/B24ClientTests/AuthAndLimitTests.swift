import B24Client
import B24Sandbox
import B24Wire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("OAuth refresh, login and the shared limiter")
struct AuthAndLimitTests {
    @Test("20 concurrent calls with an expired token cause exactly one refresh, and the rotated token is saved")
    func concurrentRefresh() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let client = try env.oauthClient()
        #expect(await client.call(CallRequest(method: "user.current")).failure == nil)
        env.sandbox.expireAccessTokens()
        let outcomes = await withTaskGroup(of: CallOutcome.self) { group in
            for _ in 0..<20 { group.addTask { await client.call(CallRequest(method: "user.current")) } }
            return await group.reduce(into: [CallOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.failure == nil })
        #expect(env.sandbox.stats.tokenGrants["refresh_token"] == 1)
        #expect(outcomes.filter { $0.trace.refreshes.first?.outcome == "refreshed" }.count <= 1)
        let saved = try AuthStore(paths: env.paths).profile(named: "app")
        guard case .oauth(let oauth) = saved.auth else {
            Issue.record("profile lost its OAuth auth")
            return
        }
        // The stored refresh token is the rotated one: refreshing with it works again.
        env.sandbox.expireAccessTokens()
        let fresh = try env.oauthClientReloading(name: "app")
        #expect(await fresh.call(CallRequest(method: "user.current")).failure == nil)
        #expect(env.sandbox.stats.tokenGrants["refresh_token"] == 2)
        #expect(oauth.refreshToken != nil)
        let written = try env.everythingWritten()
        #expect(written.contains(oauth.accessToken!.reveal()) == false)
        #expect(written.contains(oauth.refreshToken!.reveal()) == false)
    }

    @Test("A refused refresh (invalid_grant) asks the user to run b24 login")
    func invalidGrant() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        try env.saveOAuthProfile(name: "app")
        try AuthStore(paths: env.paths).update { file in
            guard case .oauth(var oauth) = file.profiles["app"]!.auth else { return }
            oauth.refreshToken = Secret("not-a-refresh-token-of-this-portal")
            file.profiles["app"]!.auth = .oauth(oauth)
        }
        env.sandbox.expireAccessTokens()
        let client = try env.oauthClientReloading(name: "app")
        let outcome = await client.call(CallRequest(method: "user.current"))
        guard case .loginRequired(let profile, _) = outcome.failure else {
            Issue.record("expected login required, got \(String(describing: outcome.failure))")
            return
        }
        #expect(profile == "app")
        #expect(outcome.failure?.message.contains("b24 login app") == true)
        #expect(outcome.failure?.exitCode == B24ExitCode.auth)
    }

    @Test("b24 login: authorize URL, redirect to the 127.0.0.1 listener, state check, code exchange, tokens stored")
    func loginFlow() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let oauth = OAuthAuth(clientID: env.sandbox.oauthClientID, clientSecret: Secret(env.sandbox.oauthClientSecret),
                              oauthServer: env.sandbox.oauthServerURL)
        let store = AuthStore(paths: env.paths)
        try store.add(Profile(name: "app", portal: env.sandbox.baseURL, auth: .oauth(oauth)))
        let transport = NIOHTTPTransport(timeout: 10)
        let stored = try await LoginFlow.run(
            profileName: "app", store: store, transport: transport, redirectPort: nil, timeout: 20,
            announce: { url in
                // Play the browser: the portal auto-approves and redirects to the listener.
                Task.detached {
                    let browser = URLSession(configuration: .ephemeral)
                    _ = try? await browser.data(from: url)
                }
            })
        #expect(stored.accessToken != nil)
        #expect(env.sandbox.stats.tokenGrants["authorization_code"] == 1)
        let client = try env.oauthClientReloading(name: "app")
        #expect(await client.call(CallRequest(method: "user.current")).failure == nil)
    }

    @Test("200 calls against a 50/2 portal bucket: the shared limiter keeps every call under the limit", .timeLimit(.minutes(3)))
    func limiterKeepsUnderBucket() async throws {
        var options = ClientTestEnvironment.quietSandbox()
        options.bucketSetting = .custom(burst: 50, perSecond: 2)
        let env = try await ClientTestEnvironment(sandbox: options)
        defer { Task { await env.stop() } }
        var clientOptions = ClientTestEnvironment.fastOptions()
        clientOptions.bucket = "50/2"
        clientOptions.history = false
        clientOptions.audit = false
        let client = try env.webhookClient(options: clientOptions)
        // The portal starts draining when a request arrives, b24 when it leaves: a first request held up by
        // connection set-up on a loaded machine (CI runs every suite at once) shifts the two by more than b24's
        // two spare slots. One call on a fresh connection first, then a pause that empties both buckets.
        #expect(await client.call(CallRequest(method: "user.current")).failure == nil)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let outcomes = await withTaskGroup(of: CallOutcome.self) { group in
            for _ in 0..<200 { group.addTask { await client.call(CallRequest(method: "user.current")) } }
            return await group.reduce(into: [CallOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.failure == nil })
        #expect(env.sandbox.stats.queryLimitExceeded == 0)
        #expect(outcomes.contains { $0.trace.waits.contains { $0.reason == "limiter" } })
    }
}

extension ClientTestEnvironment {
    /// A client that reads the profile from disk again (as a new process would).
    func oauthClientReloading(name: String) throws -> B24Client {
        try B24Client(profile: ResolvedProfile(profile: try AuthStore(paths: paths).profile(named: name), isSaved: true),
                      paths: paths, options: ClientTestEnvironment.fastOptions())
    }
}
