import Foundation

/// Who is calling: a webhook or an app token, with its user and scopes.
struct Caller: Sendable {
    enum Kind: Sendable { case webhook, app }
    var kind: Kind
    var userID: Int
    var isAdmin: Bool
    /// Granted scopes; nil means every scope.
    var scopes: Set<String>?
    /// Key of the app/webhook, for operating-time accounting and idempotency.
    var clientKey: String
    var accessToken: String?

    func allows(scope: String) -> Bool { scopes?.contains(scope) ?? true }
}

/// Webhooks, OAuth authorization codes and token pairs.
final class AuthStore: @unchecked Sendable {
    struct Webhook { var userID: Int; var scopes: Set<String>? }
    struct AccessToken { var userID: Int; var clientID: String; var expires: Double }
    struct RefreshToken { var userID: Int; var clientID: String; var expires: Double }
    struct AuthCode { var userID: Int; var clientID: String; var expires: Double }

    private struct State {
        var webhooks: [String: Webhook] = [:]
        var access: [String: AccessToken] = [:]
        var refresh: [String: RefreshToken] = [:]
        var codes: [String: AuthCode] = [:]
        /// The pair event deliveries carry, per app and user (see `eventTokens`).
        var eventPairs: [String: (access: String, refresh: String)] = [:]
        var random: SeededRandom
    }

    private let state: Locked<State>
    let accessLifetime: Double
    static let refreshLifetime: Double = 180 * 86_400
    static let codeLifetime: Double = 30
    let adminCheck: @Sendable (Int) -> Bool
    /// Scopes the OAuth app was granted.
    let appScopes: [String]

    init(seed: UInt64, accessLifetime: Double, appScopes: [String], adminCheck: @escaping @Sendable (Int) -> Bool) {
        state = Locked(State(random: SeededRandom(seed: seed ^ 0x70CE_4A11)))
        self.accessLifetime = accessLifetime
        self.appScopes = appScopes
        self.adminCheck = adminCheck
    }

    private var database: SandboxDatabase?

    /// Loads persisted tokens and writes new ones through to the database.
    func attach(_ database: SandboxDatabase?) {
        self.database = database
        guard let database else { return }
        let tokens = database.loadTokens()
        state.withLock { state in
            // A saved portal outlives one run: a seeded generator would mint the same tokens again after a
            // restart, handing a stored token of one user to another.
            state.random = SeededRandom(seed: UInt64.random(in: .min ... .max))
            for token in tokens {
                switch token.kind {
                case "access":
                    state.access[token.token] = AccessToken(userID: token.userID, clientID: token.clientID, expires: token.expires)
                case "refresh":
                    state.refresh[token.token] = RefreshToken(userID: token.userID, clientID: token.clientID, expires: token.expires)
                default: break
                }
            }
        }
    }

    func addWebhook(code: String, userID: Int, scopes: Set<String>?) {
        state.withLock { $0.webhooks[code] = Webhook(userID: userID, scopes: scopes) }
    }

    /// Resolves a webhook path; NO_AUTH_FOUND on an unknown code or a user id that does not own it.
    func webhookCaller(user: Int?, code: String?) throws -> Caller {
        guard let code, let user, let hook = state.withLock({ $0.webhooks[code] }), hook.userID == user else {
            throw RestError.noAuth
        }
        return Caller(kind: .webhook, userID: user, isAdmin: adminCheck(user), scopes: hook.scopes,
                      clientKey: "webhook:" + code, accessToken: nil)
    }

    /// Resolves an access token: 401 expired_token when it has expired, invalid_token when unknown.
    func tokenCaller(_ token: String?, now: Double) throws -> Caller {
        guard let token, !token.isEmpty else { throw RestError.noAuth }
        guard let info = state.withLock({ $0.access[token] }) else { throw RestError.invalidToken }
        guard info.expires > now else { throw RestError.expiredToken }
        return Caller(kind: .app, userID: info.userID, isAdmin: adminCheck(info.userID), scopes: Set(appScopes),
                      clientKey: "app:" + info.clientID, accessToken: token)
    }

    /// Mints a new token pair.
    func issue(userID: Int, clientID: String, now: Double) -> (access: String, refresh: String, expires: Double) {
        let pair = state.withLock { state in
            let access = "sbx" + state.random.token(length: 29)
            let refresh = "sbx" + state.random.token(length: 29)
            let expires = now + accessLifetime
            state.access[access] = AccessToken(userID: userID, clientID: clientID, expires: expires)
            state.refresh[refresh] = RefreshToken(userID: userID, clientID: clientID, expires: now + Self.refreshLifetime)
            return (access: access, refresh: refresh, expires: expires)
        }
        database?.saveToken(.init(token: pair.access, kind: "access", userID: userID, clientID: clientID, expires: pair.expires))
        database?.saveToken(.init(token: pair.refresh, kind: "refresh", userID: userID, clientID: clientID,
                                  expires: now + Self.refreshLifetime))
        return pair
    }

    /// The token pair an event delivery carries in `auth[...]`. A portal does not mint a pair per event: the
    /// same pair is reused while its access token has a minute left and its refresh token was not redeemed, so a
    /// busy activity simulator does not grow the token table without end.
    func eventTokens(userID: Int, clientID: String, now: Double) -> (access: String, refresh: String) {
        let key = "\(clientID)/\(userID)"
        let reusable = state.withLock { state -> (access: String, refresh: String)? in
            guard let pair = state.eventPairs[key], let access = state.access[pair.access], access.expires > now + 60,
                  state.refresh[pair.refresh] != nil else { return nil }
            return pair
        }
        if let reusable { return reusable }
        let pair = issue(userID: userID, clientID: clientID, now: now)
        state.withLock { $0.eventPairs[key] = (pair.access, pair.refresh) }
        return (pair.access, pair.refresh)
    }

    func issueCode(userID: Int, clientID: String, now: Double) -> String {
        state.withLock { state in
            let code = "sbx" + state.random.token(length: 29)
            state.codes[code] = AuthCode(userID: userID, clientID: clientID, expires: now + Self.codeLifetime)
            return code
        }
    }

    /// Takes an authorization code (single use). Nil when unknown, used, expired or issued to another client.
    func redeemCode(_ code: String, clientID: String, now: Double) -> Int? {
        state.withLock { state in
            guard let info = state.codes.removeValue(forKey: code), info.clientID == clientID, info.expires > now else {
                return nil
            }
            return info.userID
        }
    }

    /// Takes a refresh token (rotation: it is gone afterwards). Nil when unknown, reused, expired or foreign.
    func redeemRefresh(_ token: String, clientID: String, now: Double) -> Int? {
        let user: Int? = state.withLock { state in
            guard let info = state.refresh[token], info.clientID == clientID, info.expires > now else { return nil }
            state.refresh[token] = nil
            return info.userID
        }
        if user != nil { database?.deleteToken(token) }
        return user
    }

    /// Makes every issued access token expired.
    func expireAll() {
        state.withLock { state in
            for key in state.access.keys { state.access[key]!.expires = 0 }
        }
    }
}
