import ArgumentParser
import B24Catalog
import B24Client
import Foundation

/// `b24 profile …`: saved portals and their credentials.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Add, list, show, remove and select portal profiles (stored 0600 under $XDG_CONFIG_HOME/b24/).",
        subcommands: [Add.self, List.self, Show.self, Remove.self, Use.self, SetToken.self])

    struct Add: AsyncParsableCommand {
        // Every command names itself: without a name ArgumentParser derives one from the type at each start.
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a profile from a webhook URL or an OAuth application.")

        @Argument(help: "Profile name (letters, digits, - _ .).")
        var name: String

        @Option(name: .long, help: "Incoming webhook URL https://PORTAL/rest/USER/CODE/ (http only for loopback).")
        var webhook: String?

        @Flag(name: .long, help: "An OAuth application profile (then run `b24 login NAME`).")
        var oauth = false

        @Option(name: .long, help: "Portal URL for --oauth.")
        var portal: String?

        @Option(name: .long, help: "OAuth client id.")
        var clientId: String?

        @Option(name: .long, help: "OAuth client secret (or set B24_CLIENT_SECRET to keep it out of shell history).")
        var clientSecret: String?

        @Option(name: .long, help: "OAuth server (default https://oauth.bitrix.info).")
        var oauthServer: String?

        @Option(name: .long, help: "Default packs for this profile, comma-separated.")
        var packs: String?

        @Option(name: .long, help: "Leaky bucket BURST/PER_SECOND (e.g. 250/5 for Enterprise).")
        var bucket: String?

        @Option(name: .long, help: "Console theme for this profile.")
        var theme: String?

        @Flag(name: .long, help: "Refuse writes with this profile.")
        var readOnly = false

        @Flag(name: .long, help: "Mark as production (the console shows a banner on every screen).")
        var production = false

        @Flag(name: .long, help: "Writes need a plan first.")
        var requirePlan = false

        @Flag(name: .long, help: "Replace an existing profile of this name.")
        var replace = false

        @Flag(name: .long, help: "Make it the default profile.")
        var `default` = false

        func run() async throws {
            await guarded {
                let store = AuthStore(paths: .fromEnvironment())
                let portalURL: URL
                let auth: Profile.Auth
                switch (webhook, oauth) {
                case (let url?, false):
                    let parsed = try WebhookAuth.parse(url)
                    portalURL = parsed.portal
                    auth = .webhook(parsed.auth)
                case (nil, true):
                    guard let portal, let clientId else {
                        throw B24Error.usage("--oauth needs --portal URL, --client-id ID and --client-secret S")
                    }
                    guard let secret = clientSecret ?? ProcessInfo.processInfo.environment["B24_CLIENT_SECRET"], !secret.isEmpty else {
                        throw B24Error.usage("--oauth needs --client-secret S (or B24_CLIENT_SECRET)")
                    }
                    portalURL = try parsePortalURL(portal)
                    auth = .oauth(OAuthAuth(clientID: clientId, clientSecret: Secret(secret),
                                            oauthServer: try oauthServer.map(parsePortalURL) ?? OAuthAuth.defaultServer))
                case (.some, true):
                    throw B24Error.usage("choose one: --webhook URL or --oauth")
                case (nil, false):
                    throw B24Error.usage("give --webhook URL, or --oauth --portal URL --client-id ID --client-secret S")
                }
                if let bucket { _ = try LimiterSettings.parseBucket(bucket) }
                let packList = packs.map(splitList)
                if let packList { _ = try AllowPolicy(packs: packList) }
                let profile = Profile(
                    name: name, portal: portalURL, auth: auth, packs: packList, readOnly: readOnly,
                    production: production, requirePlan: requirePlan, bucket: bucket, theme: theme)
                try store.add(profile, replace: replace, makeDefault: `default`)
                print("added profile \(name): \(portalURL.absoluteString), \(profile.authSummary)")
                if case .oauth = auth { printInfo("next: b24 login \(name)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List saved profiles (* marks the default).")

        func run() async throws {
            await guarded {
                let file = try AuthStore(paths: .fromEnvironment()).load()
                if file.profiles.isEmpty {
                    print("no profiles; add one with: b24 profile add NAME --webhook URL")
                    return
                }
                for name in file.profiles.keys.sorted() {
                    let profile = file.profiles[name]!
                    var flags: [String] = []
                    if profile.readOnly { flags.append("read-only") }
                    if profile.production { flags.append("production") }
                    let marker = name == file.defaultProfile ? "*" : " "
                    print("\(marker) \(name)  \(profile.portal.absoluteString)  \(profile.authSummary)\(flags.isEmpty ? "" : "  [" + flags.joined(separator: ", ") + "]")")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a profile, secrets masked.")

        @Argument var name: String

        func run() async throws {
            await guarded {
                let store = AuthStore(paths: .fromEnvironment())
                let profile = try store.profile(named: name)
                print("name:        \(profile.name)")
                print("portal:      \(profile.portal.absoluteString)")
                switch profile.auth {
                case .webhook(let webhook):
                    print("auth:        webhook")
                    print("user id:     \(webhook.userID)")
                    print("code:        \(webhook.code.masked)")
                case .oauth(let oauth):
                    print("auth:        oauth")
                    print("client id:   \(oauth.clientID)")
                    print("secret:      \(oauth.clientSecret.masked)")
                    print("server:      \(oauth.oauthServer.absoluteString)")
                    print("access:      \(oauth.accessToken?.masked ?? "(none — run b24 login \(name))")")
                    print("refresh:     \(oauth.refreshToken?.masked ?? "(none)")")
                    if let expires = oauth.expiresAt { print("expires:     \(ISO8601DateFormatter().string(from: expires))") }
                    if let member = oauth.memberID { print("member id:   \(member)") }
                    if let scope = oauth.scope { print("scope:       \(scope)") }
                }
                print("packs:       \((profile.packs ?? [Catalog.bundled.defaultPackName]).joined(separator: ","))")
                print("read-only:   \(profile.readOnly ? "yes" : "no")")
                print("production:  \(profile.production ? "yes" : "no")")
                print("plans:       \(profile.requirePlan ? "required for writes" : "optional")")
                print("bucket:      \(profile.bucket ?? "50/2")")
                if let theme = profile.theme { print("theme:       \(theme)") }
                print("events:      token \(profile.events?.applicationToken?.masked ?? "(none: deliveries refused)"), member \(profile.expectedMemberID ?? "(unknown)")")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a profile and its secrets.")

        @Argument var name: String

        func run() async throws {
            await guarded {
                let wasDefault = try AuthStore(paths: .fromEnvironment()).remove(name)
                print("removed profile \(name)" + (wasDefault ? "; there is no default profile now (b24 profile use NAME)" : ""))
            }
        }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "use", abstract: "Make a profile the default.")

        @Argument var name: String

        func run() async throws {
            await guarded {
                try AuthStore(paths: .fromEnvironment()).use(name)
                print("default profile: \(name)")
            }
        }
    }
}

/// `b24 login NAME`: the OAuth authorization-code flow.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Authorize an OAuth profile: open the printed URL, approve, and b24 stores the tokens.")

    @Argument(help: "An OAuth profile (see `b24 profile add NAME --oauth …`).")
    var name: String

    @Option(name: .long, help: "Fixed port for the 127.0.0.1 redirect listener (register http://127.0.0.1:PORT/callback as the app's handler).")
    var redirectPort: Int?

    @Option(name: .long, help: "Seconds to wait for the redirect.")
    var timeout: Double = 300

    func run() async throws {
        let store = AuthStore(paths: .fromEnvironment())
        // The OAuth server might echo what it was sent (client secret, code): mask the profile's secrets.
        let redactor = Redactor((try? store.profile(named: name))?.secrets ?? [])
        await guarded(redactor: redactor) {
            if let redirectPort, !(1...65535).contains(redirectPort) {
                throw B24Error.usage("--redirect-port must be 1–65535")
            }
            guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
                throw B24Error.usage("--timeout must be between 0 and 86400 seconds")
            }
            let oauth = try await LoginFlow.run(
                profileName: name, store: store, transport: NIOHTTPTransport(timeout: 30), redirectPort: redirectPort,
                timeout: timeout, announce: { url in
                    print("open this URL in a browser logged in to the portal:\n  \(url.absoluteString)")
                    fflush(stdout)
                    printInfo("waiting for the redirect on \(url.query?.contains("redirect_uri") == true ? "127.0.0.1" : "the app's handler")…")
                })
            print("logged in: profile \(name), member \(oauth.memberID ?? "?"), scope \(oauth.scope ?? "?"), token \(oauth.accessToken?.masked ?? "")")
        }
    }
}
