import B24Catalog
import B24Wire
import Foundation

extension B24Client {
    /// The request of a call with the real secret in place of its mask: the webhook URL with its code, or for an
    /// application the current access token as `auth` in the body. The parameters stay as recorded.
    ///
    /// This exists for one thing: a person who asked, and confirmed, to copy a runnable cURL command. Nothing
    /// here is recorded, and callers must not show, store or log what it returns.
    ///
    /// - Parameters:
    ///   - request: the recorded (masked) request of the call.
    ///   - profile: the profile the call was made on; it must be this client's (a secret is never lent to a call
    ///     of another portal).
    /// - Throws: `.usage` for a call of another profile, `.loginRequired` for an application without a token.
    public func revealedRequest(_ request: CallTrace.RequestRecord, method: String, apiVersion: APIVersion,
                                profile callProfile: String) throws -> CallTrace.RequestRecord
    {
        guard callProfile == profile.name else {
            throw B24Error.usage("this call was made on profile \(callProfile), not \(profile.name): its secret is not this one's")
        }
        let token = oauthSnapshot()?.accessToken
        if case .oauth = profile.auth, token == nil {
            throw B24Error.loginRequired(profile: profile.name, reason: "this OAuth profile has no token yet")
        }
        // The same builder as a real call, so the URL is exactly the one the call went to.
        let built = RequestBuilder.build(profile: profile, method: method, params: .emptyObject, version: apiVersion,
                                         accessToken: token, idempotencyKey: nil)
        var revealed = request
        revealed.url = built.url.absoluteString
        if let token, case .object(var body) = request.params {
            body["auth"] = .string(token.reveal())
            revealed.params = .object(body)
        }
        return revealed
    }
}

extension CallTrace.RequestRecord {
    /// The webhook this request went through, with its code still masked (`https://PORTAL/rest/1/****/`): what
    /// `b24 call --webhook` takes once the code is put back. Nil for an application's request (no code in its
    /// URL) or a URL of another shape.
    public var maskedWebhookURL: String? {
        guard var components = URLComponents(string: url) else { return nil }
        var parts = components.path.split(separator: "/").map(String.init)
        // REST 3.0 goes through /rest/api/USER/CODE/; the webhook itself is /rest/USER/CODE/.
        if parts.count > 1, parts[0] == "rest", parts[1] == "api" { parts.remove(at: 1) }
        guard parts.count >= 3, parts[0] == "rest", Int(parts[1]) != nil, parts[2].contains("****") else { return nil }
        components.path = "/" + parts[0 ... 2].joined(separator: "/") + "/"
        components.query = nil
        components.fragment = nil
        return components.string
    }
}
