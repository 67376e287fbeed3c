import B24Client
import B24Sandbox
import B24Wire
import Foundation

/// A private XDG home and a running sandbox portal for one test.
final class ClientTestEnvironment: @unchecked Sendable {
    let root: URL
    let paths: B24Paths
    let sandbox: Sandbox
    let environment: [String: String]

    init(sandbox options: SandboxOptions = ClientTestEnvironment.quietSandbox()) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        paths = B24Paths(configDirectory: root.appendingPathComponent("config/b24"),
                         stateDirectory: root.appendingPathComponent("state/b24"))
        environment = [
            "HOME": root.path,
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
        ]
        sandbox = try await Sandbox.start(options)
    }

    /// A sandbox with limits off, so tests measure the client's behaviour, not the portal's bucket.
    static func quietSandbox() -> SandboxOptions {
        var options = SandboxOptions()
        options.bucketSetting = .off
        options.operatingLimitSeconds = nil
        return options
    }

    /// The admin webhook's code (the secret every test checks for leaks).
    var webhookCode: String {
        adminWebhook.pathComponents.filter { $0 != "/" }[2]
    }

    var adminWebhook: URL { sandbox.adminWebhookURL }

    /// A client on the admin webhook.
    func webhookClient(options: ClientOptions = ClientTestEnvironment.fastOptions(), readOnly: Bool = false) throws -> B24Client {
        let parsed = try WebhookAuth.parse(adminWebhook.absoluteString)
        let profile = Profile(name: "sandbox", portal: parsed.portal, auth: .webhook(parsed.auth), readOnly: readOnly)
        try AuthStore(paths: paths).add(profile, replace: true)
        return try B24Client(profile: ResolvedProfile(profile: profile, isSaved: true), paths: paths, options: options)
    }

    /// Saves an OAuth profile holding a fresh token pair minted by the sandbox, and returns a client on it.
    func oauthClient(name: String = "app", options: ClientOptions = ClientTestEnvironment.fastOptions()) throws -> B24Client {
        try saveOAuthProfile(name: name)
        return try B24Client(profile: ResolvedProfile(profile: try AuthStore(paths: paths).profile(named: name), isSaved: true),
                             paths: paths, options: options)
    }

    func saveOAuthProfile(name: String) throws {
        let tokens = sandbox.issueTokens(userID: 1)
        var oauth = OAuthAuth(clientID: sandbox.oauthClientID, clientSecret: Secret(sandbox.oauthClientSecret),
                              oauthServer: sandbox.oauthServerURL)
        oauth.accessToken = Secret(tokens.access)
        oauth.refreshToken = Secret(tokens.refresh)
        oauth.expiresAt = Date().addingTimeInterval(TimeInterval(tokens.expiresIn))
        let profile = Profile(name: name, portal: sandbox.baseURL, auth: .oauth(oauth))
        try AuthStore(paths: paths).add(profile, replace: true)
    }

    /// Client options with short backoff so retry tests run quickly, and a generous bucket.
    static func fastOptions() -> ClientOptions {
        var options = ClientOptions()
        options.bucket = "1000/1000"
        options.timeout = 10
        return options
    }

    /// Every byte b24 wrote under this test's config and state directories.
    func everythingWritten() throws -> String {
        var text = ""
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               url.lastPathComponent != "profiles.json"
            {
                text += String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
            }
        }
        return text
    }

    func stop() async {
        await sandbox.stop()
        try? FileManager.default.removeItem(at: root)
    }
}

extension CallOutcome {
    /// The error, if the call failed.
    var failure: B24Error? {
        if case .failure(let error) = result { return error }
        return nil
    }
}
