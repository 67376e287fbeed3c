import B24Catalog
import B24Wire
import Foundation

/// The profile a command runs with, and whether it is saved (so refreshed tokens can be written back).
public struct ResolvedProfile: Sendable {
    public var profile: Profile
    /// False for `--webhook URL` and environment profiles: nothing is written to disk for them.
    public var isSaved: Bool

    public init(profile: Profile, isSaved: Bool) {
        self.profile = profile
        self.isSaved = isSaved
    }
}

/// Picks the profile for a command: `--webhook URL`, then `--profile NAME`, then the seed's environment
/// variables (`B24_DOMAIN`, …), then the default saved profile.
public enum ProfileResolver {
    public static func resolve(webhook: String?, profileName: String?, store: AuthStore,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedProfile
    {
        if let webhook {
            let parsed = try WebhookAuth.parse(webhook)
            return ResolvedProfile(profile: try applyEnvironmentPolicy(
                Profile(name: "webhook", portal: parsed.portal, auth: .webhook(parsed.auth)), environment), isSaved: false)
        }
        if let profileName {
            return ResolvedProfile(profile: try applyEnvironmentLimits(try store.profile(named: profileName), environment), isSaved: true)
        }
        if let fromEnvironment = try environmentProfile(environment) {
            return ResolvedProfile(profile: fromEnvironment, isSaved: false)
        }
        let file = try store.load()
        if let name = file.defaultProfile, let profile = file.profiles[name] {
            return ResolvedProfile(profile: try applyEnvironmentLimits(profile, environment), isSaved: true)
        }
        if !file.profiles.isEmpty {
            throw B24Error.usage("no default profile: pass --profile NAME or pick one with `b24 profile use NAME` ("
                                 + file.profiles.keys.sorted().joined(separator: ", ") + ")")
        }
        throw B24Error.usage(
            "no portal configured: add one with `b24 profile add NAME --webhook URL`, pass --webhook URL, or try `b24 sandbox`")
    }

    /// The unnamed profile described by the seed's environment variables, or nil when `B24_DOMAIN` is unset.
    public static func environmentProfile(_ environment: [String: String]) throws -> Profile? {
        guard let domain = environment["B24_DOMAIN"], !domain.isEmpty else { return nil }
        let portal = try parsePortalURL(domain)
        let mode = (environment["B24_AUTH_MODE"] ?? "webhook").lowercased()
        let auth: Profile.Auth
        switch mode {
        case "webhook":
            guard let user = environment["B24_WEBHOOK_USER_ID"], !user.isEmpty,
                  let code = environment["B24_WEBHOOK_CODE"], !code.isEmpty
            else {
                throw B24Error.usage("B24_AUTH_MODE=webhook needs B24_WEBHOOK_USER_ID and B24_WEBHOOK_CODE")
            }
            auth = .webhook(WebhookAuth(userID: user, code: Secret(code)))
        case "oauth":
            guard let access = environment["B24_ACCESS_TOKEN"], !access.isEmpty else {
                throw B24Error.usage("B24_AUTH_MODE=oauth needs B24_ACCESS_TOKEN (and B24_REFRESH_TOKEN, B24_CLIENT_ID, B24_CLIENT_SECRET to refresh)")
            }
            var oauth = OAuthAuth(
                clientID: environment["B24_CLIENT_ID"] ?? "", clientSecret: Secret(environment["B24_CLIENT_SECRET"] ?? ""),
                oauthServer: try environment["B24_OAUTH_SERVER"].map(parsePortalURL) ?? OAuthAuth.defaultServer)
            oauth.accessToken = Secret(access)
            oauth.refreshToken = environment["B24_REFRESH_TOKEN"].flatMap { $0.isEmpty ? nil : Secret($0) }
            auth = .oauth(oauth)
        default:
            throw B24Error.usage("B24_AUTH_MODE must be 'webhook' or 'oauth', not '\(mode)'")
        }
        return try applyEnvironmentPolicy(Profile(name: "env", portal: portal, auth: auth), environment)
    }

    /// An unsaved profile (`--webhook`, the seed's variables) takes its packs from `B24_PACKS`.
    static func applyEnvironmentPolicy(_ profile: Profile, _ environment: [String: String]) throws -> Profile {
        var profile = profile
        if let packs = environmentPacks(environment) { profile.packs = packs }
        if try environmentFlag(environment, "B24_REQUIRE_PLAN") { profile.requirePlan = true }
        return profile
    }

    /// A saved profile can only be tightened by the variables: `B24_PACKS` keeps those of its packs it names
    /// (a leftover export must not open a production profile wider; none left means no pack), and
    /// `B24_REQUIRE_PLAN` can only turn plans on.
    static func applyEnvironmentLimits(_ profile: Profile, _ environment: [String: String]) throws -> Profile {
        var profile = profile
        if let packs = environmentPacks(environment) {
            let own = Set((profile.packs ?? [Catalog.bundled.defaultPackName]).map { $0.lowercased() })
            let kept = packs.filter { own.contains($0.lowercased()) }
            profile.packs = kept.isEmpty ? ["none"] : kept
        }
        if try environmentFlag(environment, "B24_REQUIRE_PLAN") { profile.requirePlan = true }
        return profile
    }

    /// `B24_PACKS` as a list (commas or spaces between names); nil when unset or empty.
    static func environmentPacks(_ environment: [String: String]) -> [String]? {
        let packs = (environment["B24_PACKS"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        return packs.isEmpty ? nil : packs
    }

    /// A yes/no variable such as `B24_REQUIRE_PLAN`: 1, true, yes or y mean yes; unset, empty, 0, false, no or n
    /// mean no (any case). Anything else is a usage error: a guardrail must not be switched off by a typo.
    public static func environmentFlag(_ environment: [String: String], _ name: String) throws -> Bool {
        let value = (environment[name] ?? "").trimmingWhitespace.lowercased()
        if ["1", "true", "yes", "y"].contains(value) { return true }
        if ["", "0", "false", "no", "n"].contains(value) { return false }
        throw B24Error.usage("\(name) must be 1/true/yes/y or 0/false/no/n, not \"\(environment[name] ?? "")\"")
    }
}
