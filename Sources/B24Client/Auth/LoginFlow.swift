import Foundation
import Hummingbird
import Logging
import NIOCore

/// The OAuth authorization-code flow of `b24 login`: a one-shot listener on 127.0.0.1 receives the portal's
/// redirect, `state` is checked, the code is exchanged at the OAuth server, and the tokens are saved.
public enum LoginFlow {
    /// What the redirect carried.
    struct Redirect: Sendable {
        var query: [String: String]
    }

    /// Runs the flow for a saved OAuth profile and returns the stored credentials.
    /// `announce` receives the authorize URL to show the user (or to open in a browser).
    public static func run(profileName: String, store: AuthStore, transport: HTTPTransport, redirectPort: Int?,
                           timeout: TimeInterval, announce: @escaping @Sendable (URL) -> Void) async throws -> OAuthAuth
    {
        let profile = try store.profile(named: profileName)
        guard case .oauth(let oauth) = profile.auth else {
            throw B24Error.usage("profile '\(profileName)' uses a webhook; `b24 login` is for profiles added with --oauth")
        }
        let state = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let (redirects, continuation) = AsyncStream<Redirect>.makeStream()
        let portBox = PortBox()

        let router = Router()
        router.get("/**") { request, _ -> Response in
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            let ok = query["state"] == state && query["code"] != nil
            continuation.yield(Redirect(query: query))
            let text = ok
                ? "b24: login for profile \(profileName) received. You can close this tab and return to the terminal."
                : "b24: this redirect does not belong to the login in progress (state mismatch or no code)."
            return Response(status: ok ? .ok : .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: redirectPort ?? 0), serverName: "b24-login"),
            onServerRunning: { channel in
                portBox.set(channel.localAddress?.port ?? 0)
            },
            logger: quietLogger)
        let server = Task {
            do { try await app.run() } catch { portBox.fail(error) }
        }
        defer { server.cancel() }

        let port = try await portBox.wait(timeout: 10)
        let redirectURI = URL(string: "http://127.0.0.1:\(port)/callback")!
        announce(OAuthClient.authorizeURL(portal: profile.portal, clientID: oauth.clientID, state: state, redirectURI: redirectURI))

        let redirect = try await withThrowingTaskGroup(of: Redirect?.self) { group in
            group.addTask {
                for await redirect in redirects where redirect.query["code"] != nil || redirect.query["error"] != nil {
                    return redirect
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        continuation.finish()
        // The handler posts the redirect before its answer is written: give the browser its page ("you can close
        // this tab" or why the redirect was refused) before the listener is stopped on the way out.
        if redirect != nil { try? await Task.sleep(nanoseconds: 200_000_000) }
        guard let redirect else {
            throw B24Error.usage("no redirect arrived within \(Int(timeout)) s; open the URL above in a browser logged in to the portal")
        }
        if let error = redirect.query["error"] {
            throw B24Error.loginRequired(profile: profileName, reason: "the portal refused the authorization (\(error))")
        }
        guard redirect.query["state"] == state else {
            throw B24Error.policy("the redirect's state does not match this login (possible forgery); nothing was stored")
        }
        guard let code = redirect.query["code"] else { throw B24Error.usage("the redirect carried no code") }
        var updated: OAuthAuth
        do {
            updated = try await OAuthClient(transport: transport).exchange(code: code, oauth: oauth)
        } catch B24Error.portal(let error) where error.code == "invalid_grant" {
            throw B24Error.loginRequired(profile: profileName, reason:
                "the OAuth server refused the authorization code, which is valid for 30 s and once only (\(error.message))")
        }
        if updated.memberID == nil { updated.memberID = redirect.query["member_id"] }
        if updated.scope == nil { updated.scope = redirect.query["scope"] }
        try store.storeOAuth(updated, profile: profileName)
        return updated
    }

    /// The listener logs nothing: the terminal shows the URL and the outcome, not server chatter (stopping the
    /// server after the redirect would otherwise log a cancellation as an error).
    static var quietLogger: Logger {
        var logger = Logger(label: "b24-login")
        logger.logLevel = .critical
        return logger
    }

    /// Hands the listener's bound port from the server callback to the flow.
    final class PortBox: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        private var failure: String?

        func set(_ value: Int) {
            lock.withLock { port = value }
        }

        /// The listener could not start (for example, the port is taken): waiting ends at once.
        func fail(_ error: Error) {
            lock.withLock { failure = "\(error)" }
        }

        func wait(timeout: TimeInterval) async throws -> Int {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let (value, failed) = lock.withLock { (port, failure) }
                if let value, value > 0 { return value }
                if let failed {
                    throw B24Error.usage("could not start the login listener on 127.0.0.1 — is the port in use? \(failed)")
                }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            throw B24Error.usage("could not start the login listener on 127.0.0.1 within \(Int(timeout)) s")
        }
    }
}
