import B24Wire
import Foundation

/// A named portal plus how b24 authenticates to it, and the guardrails that apply to it.
public struct Profile: Codable, Sendable, Equatable {
    public var name: String
    /// Portal base URL, e.g. `https://example.bitrix24.com` (no path).
    public var portal: URL
    public var auth: Auth
    /// Packs whose methods are allowed by default (nil: the catalog's default pack).
    public var packs: [String]?
    /// Extra allowed method patterns (`user.*`).
    public var methodAllowlist: [String]?
    /// Refuse every write and destructive call.
    public var readOnly: Bool
    /// Production portal: the console shows a banner; writes always need explicit confirmation.
    public var production: Bool
    /// Writes need a stored plan first (`--plan-only`, then `--execute-plan`).
    public var requirePlan: Bool
    /// Leaky bucket as `BURST/PER_SECOND` (nil: 50/2).
    public var bucket: String?
    /// Console theme for this profile.
    public var theme: String?
    /// What event deliveries must carry to be trusted (application token, member id); nil: none known yet.
    public var events: EventTrust?

    /// How b24 authenticates.
    public enum Auth: Codable, Sendable, Equatable {
        case webhook(WebhookAuth)
        case oauth(OAuthAuth)

        private enum CodingKeys: String, CodingKey { case webhook, oauth }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let webhook = try container.decodeIfPresent(WebhookAuth.self, forKey: .webhook) {
                self = .webhook(webhook)
            } else {
                self = .oauth(try container.decode(OAuthAuth.self, forKey: .oauth))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .webhook(let webhook): try container.encode(webhook, forKey: .webhook)
            case .oauth(let oauth): try container.encode(oauth, forKey: .oauth)
            }
        }
    }

    public init(name: String, portal: URL, auth: Auth, packs: [String]? = nil, methodAllowlist: [String]? = nil,
                readOnly: Bool = false, production: Bool = false, requirePlan: Bool = false, bucket: String? = nil,
                theme: String? = nil)
    {
        self.name = name
        self.portal = portal
        self.auth = auth
        self.packs = packs
        self.methodAllowlist = methodAllowlist
        self.readOnly = readOnly
        self.production = production
        self.requirePlan = requirePlan
        self.bucket = bucket
        self.theme = theme
    }

    /// Every secret of the profile, for redaction.
    public var secrets: [Secret] {
        switch auth {
        case .webhook(let webhook): return [webhook.code] + [events?.applicationToken].compactMap { $0 }
        case .oauth(let oauth):
            return [oauth.clientSecret] + [oauth.accessToken, oauth.refreshToken].compactMap { $0 }
                + [events?.applicationToken].compactMap { $0 }
        }
    }

    /// A short, secret-free description of the auth mode.
    public var authSummary: String {
        switch auth {
        case .webhook(let webhook): return "webhook (user \(webhook.userID), code \(webhook.code.masked))"
        case .oauth(let oauth):
            let state = oauth.accessToken == nil ? "not logged in" : "logged in"
            return "oauth (client \(oauth.clientID), \(state))"
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        portal = try container.decode(URL.self, forKey: .portal)
        auth = try container.decode(Auth.self, forKey: .auth)
        packs = try container.decodeIfPresent([String].self, forKey: .packs)
        methodAllowlist = try container.decodeIfPresent([String].self, forKey: .methodAllowlist)
        readOnly = try container.decodeIfPresent(Bool.self, forKey: .readOnly) ?? false
        production = try container.decodeIfPresent(Bool.self, forKey: .production) ?? false
        requirePlan = try container.decodeIfPresent(Bool.self, forKey: .requirePlan) ?? false
        bucket = try container.decodeIfPresent(String.self, forKey: .bucket)
        theme = try container.decodeIfPresent(String.self, forKey: .theme)
        events = try container.decodeIfPresent(EventTrust.self, forKey: .events)
    }
}

/// An incoming webhook: `https://portal/rest/USER/CODE/`.
public struct WebhookAuth: Codable, Sendable, Equatable {
    public var userID: String
    public var code: Secret

    public init(userID: String, code: Secret) {
        self.userID = userID
        self.code = code
    }

    /// Splits a pasted webhook URL into portal base, user id and code. Extra path after the code (a method name)
    /// is ignored. Plain `http` is accepted only for loopback hosts.
    public static func parse(_ text: String) throws -> (portal: URL, auth: WebhookAuth) {
        let trimmed = text.trimmingWhitespace
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw B24Error.usage("not a webhook URL (expected https://PORTAL/rest/USER_ID/CODE/)")
        }
        guard scheme == "https" || (scheme == "http" && isLoopback(host)) else {
            throw B24Error.usage(scheme == "http"
                ? "webhook URL must use https (plain http is allowed only for 127.0.0.1/localhost)"
                : "webhook URL must start with https://")
        }
        let parts = components.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "rest", let user = Int(parts[1]), user > 0, !parts[2].isEmpty,
              parts[2].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        else {
            throw B24Error.usage("not a webhook URL: the path must be /rest/USER_ID/CODE/ (user id is a number)")
        }
        var base = URLComponents()
        base.scheme = scheme
        base.host = host
        base.port = try checkedPort(components.port, in: "webhook URL")
        guard let portal = base.url else { throw B24Error.usage("not a webhook URL") }
        return (portal, WebhookAuth(userID: String(user), code: Secret(parts[2])))
    }

    static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
    }
}

/// An OAuth 2.0 application and the tokens it holds for one portal.
public struct OAuthAuth: Codable, Sendable, Equatable {
    public var clientID: String
    public var clientSecret: Secret
    /// Authorization server base, `https://oauth.bitrix.info` by default.
    public var oauthServer: URL
    public var accessToken: Secret?
    public var refreshToken: Secret?
    public var expiresAt: Date?
    public var memberID: String?
    public var scope: String?
    public var clientEndpoint: URL?
    public var serverEndpoint: URL?
    public var userID: String?

    /// The default authorization server of Bitrix24 cloud portals.
    public static let defaultServer = URL(string: "https://oauth.bitrix.info")!

    public init(clientID: String, clientSecret: Secret, oauthServer: URL = OAuthAuth.defaultServer) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.oauthServer = oauthServer
    }
}

/// Reads a portal base URL given by a user: adds `https://` when no scheme is given and drops any path.
public func parsePortalURL(_ text: String) throws -> URL {
    var trimmed = text.trimmingWhitespace
    if !trimmed.contains("://") { trimmed = "https://" + trimmed }
    guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
          let host = components.host, !host.isEmpty, !host.contains(" ")
    else { throw B24Error.usage("not a portal URL: \(text)") }
    guard scheme == "https" || (scheme == "http" && WebhookAuth.isLoopback(host)) else {
        throw B24Error.usage("portal URL must use https (plain http is allowed only for loopback)")
    }
    var base = URLComponents()
    base.scheme = scheme
    base.host = host
    base.port = try checkedPort(components.port, in: "portal URL")
    guard let url = base.url else { throw B24Error.usage("not a portal URL: \(text)") }
    return url
}

/// A URL's port, refused with `.usage` unless it is 1–65535 (URLComponents accepts any number).
func checkedPort(_ port: Int?, in what: String) throws -> Int? {
    guard let port else { return nil }
    guard (1...65_535).contains(port) else { throw B24Error.usage("\(what) has port \(port); a port is 1 to 65535") }
    return port
}
