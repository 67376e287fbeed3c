import B24Wire
import Foundation

/// Talks to the OAuth authorization server: exchanges authorization codes and refreshes tokens.
public struct OAuthClient: Sendable {
    public let transport: HTTPTransport

    public init(transport: HTTPTransport) {
        self.transport = transport
    }

    /// The portal page that asks the user to approve the app; it redirects to `redirectURI` with a code.
    public static func authorizeURL(portal: URL, clientID: String, state: String, redirectURI: URL?) -> URL {
        var components = URLComponents(url: portal.appendingPathComponent("oauth/authorize/"), resolvingAgainstBaseURL: false)!
        var items = [URLQueryItem(name: "client_id", value: clientID), URLQueryItem(name: "state", value: state)]
        if let redirectURI { items.append(URLQueryItem(name: "redirect_uri", value: redirectURI.absoluteString)) }
        components.queryItems = items
        return components.url!
    }

    /// The token endpoint of an OAuth server given as `https://oauth.bitrix.info`, `…/oauth/` or `…/oauth/token/`.
    public static func tokenEndpoint(_ server: URL) -> URL {
        var path = server.path
        for suffix in ["/oauth/token/", "/oauth/token", "/oauth/", "/oauth"] where path.hasSuffix(suffix) {
            path.removeLast(suffix.count)
            break
        }
        var components = URLComponents(url: server, resolvingAgainstBaseURL: false)!
        components.path = (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/oauth/token/"
        components.query = nil
        return components.url!
    }

    /// Exchanges an authorization code (it lives 30 s) for tokens.
    public func exchange(code: String, oauth: OAuthAuth) async throws -> OAuthAuth {
        try await tokenRequest(oauth: oauth, grant: [("grant_type", "authorization_code"), ("code", code)])
    }

    /// Trades the refresh token for a new access/refresh pair. `invalid_grant` becomes `loginRequired`.
    public func refresh(oauth: OAuthAuth, profile: String) async throws -> OAuthAuth {
        guard let refreshToken = oauth.refreshToken, !refreshToken.isEmpty else {
            throw B24Error.loginRequired(profile: profile, reason: "the access token expired and there is no refresh token")
        }
        do {
            return try await tokenRequest(oauth: oauth, grant: [("grant_type", "refresh_token"), ("refresh_token", refreshToken.reveal())])
        } catch B24Error.portal(let error) where ["invalid_grant", "invalid_client", "expired_token", "invalid_token"].contains(error.code) {
            throw B24Error.loginRequired(profile: profile, reason: "token refresh was refused (\(error.code): \(error.message))")
        }
    }

    private func tokenRequest(oauth: OAuthAuth, grant: [(String, String)]) async throws -> OAuthAuth {
        var components = URLComponents(url: Self.tokenEndpoint(oauth.oauthServer), resolvingAgainstBaseURL: false)!
        components.percentEncodedQuery = ([("client_id", oauth.clientID), ("client_secret", oauth.clientSecret.reveal())] + grant)
            .map { PHPForm.percentEncode($0.0) + "=" + PHPForm.percentEncode($0.1) }.joined(separator: "&")
        let response = try await transport.send(HTTPRequest(method: "GET", url: components.url!, headers: ["Accept": "application/json"]))
        let body: JSONValue
        do { body = try JSONParser.parse(response.body) } catch {
            throw B24Error.http(status: response.status, snippet: ResponseDecoder.snippet(response.body))
        }
        if let error = PortalError.from(envelope: body, httpStatus: response.status) { throw B24Error.portal(error) }
        guard let access = body["access_token"]?.stringValue, let refresh = body["refresh_token"]?.stringValue else {
            throw B24Error.decoding("the OAuth server's answer has no access_token/refresh_token")
        }
        var updated = oauth
        updated.accessToken = Secret(access)
        updated.refreshToken = Secret(refresh)
        if let expires = body["expires"]?.doubleValue {
            updated.expiresAt = Date(timeIntervalSince1970: expires)
        } else if let expiresIn = body["expires_in"]?.doubleValue {
            updated.expiresAt = Date().addingTimeInterval(expiresIn)
        }
        updated.memberID = body["member_id"]?.stringValue ?? oauth.memberID
        updated.scope = body["scope"]?.stringValue ?? oauth.scope
        updated.clientEndpoint = body["client_endpoint"]?.stringValue.flatMap(URL.init(string:)) ?? oauth.clientEndpoint
        updated.serverEndpoint = body["server_endpoint"]?.stringValue.flatMap(URL.init(string:)) ?? oauth.serverEndpoint
        updated.userID = body["user_id"]?.stringValue ?? oauth.userID
        return updated
    }
}

/// Makes sure one profile's token is refreshed once, however many calls (in this process and in other b24
/// processes) hit `expired_token` at the same moment.
///
/// In-process callers join the refresh already in flight. Across processes a lock file serializes refreshes;
/// whoever takes the lock re-reads the profile file first and, if the stored token is no longer the stale one,
/// uses it instead of refreshing again. The rotated refresh token is written to disk before anyone uses it.
public actor TokenRefresher {
    private var inFlight: [String: Task<(OAuthAuth, String), Error>] = [:]
    /// The newest credentials of profiles that are not saved (environment variables), so a late `expired_token`
    /// reuses them instead of refreshing again with an already rotated refresh token.
    private var latestUnsaved: [String: OAuthAuth] = [:]
    private let store: AuthStore
    private let oauthClient: OAuthClient

    public init(store: AuthStore, oauthClient: OAuthClient) {
        self.store = store
        self.oauthClient = oauthClient
    }

    /// New credentials for a profile whose `staleToken` was rejected, and how they were obtained
    /// ("refreshed" or "joined").
    public func fresh(after staleToken: Secret?, current: OAuthAuth, profile: ResolvedProfile) async throws -> (OAuthAuth, String) {
        let name = profile.profile.name
        if let task = inFlight[name] {
            let (oauth, _) = try await task.value
            return (oauth, "joined")
        }
        if !profile.isSaved, let latest = latestUnsaved[name], latest.accessToken != staleToken {
            return (latest, "joined")
        }
        let store = self.store
        let client = oauthClient
        let task = Task<(OAuthAuth, String), Error> {
            guard profile.isSaved else {
                return (try await client.refresh(oauth: current, profile: name), "refreshed")
            }
            let lock = FileLock(path: store.paths.locksDirectory.appendingPathComponent("refresh-\(name).lock"))
            // flock blocks a thread; keep it off the cooperative pool's threads that run other calls.
            return try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    let semaphore = DispatchSemaphore(value: 0)
                    var outcome: Result<(OAuthAuth, String), Error> = .failure(B24Error.usage("refresh did not run"))
                    do {
                        try lock.withLock {
                            let saved = try store.profile(named: name)
                            guard case .oauth(let stored) = saved.auth else {
                                throw B24Error.loginRequired(profile: name, reason: "profile is no longer an OAuth profile")
                            }
                            if let token = stored.accessToken, token != staleToken {
                                outcome = .success((stored, "joined"))
                                return
                            }
                            Task.detached {
                                do {
                                    let updated = try await client.refresh(oauth: stored, profile: name)
                                    try store.storeOAuth(updated, profile: name)
                                    outcome = .success((updated, "refreshed"))
                                } catch {
                                    outcome = .failure(error)
                                }
                                semaphore.signal()
                            }
                            semaphore.wait()
                        }
                    } catch {
                        outcome = .failure(error)
                    }
                    continuation.resume(with: outcome)
                }
            }
        }
        inFlight[name] = task
        defer { inFlight[name] = nil }
        let result = try await task.value
        if !profile.isSaved { latestUnsaved[name] = result.0 }
        return result
    }
}
