import B24Catalog
import B24Wire
import Foundation

/// Builds the HTTP request for a method call: the URL for webhook or OAuth auth, REST v2 or 3.0, and the body.
///
/// Parameters travel as a JSON body (Bitrix24 accepts JSON on POST for its methods; REST 3.0 requires it).
/// OAuth tokens go inside the body as `auth`, never into the URL, so proxies and logs do not see them.
public struct RequestBuilder: Sendable {
    public static let userAgent = "b24/0.1 (+https://github.com/bitrix24/b24restdocs)"

    /// The request for `method` with `params`; `accessToken` is required for OAuth profiles.
    public static func build(profile: Profile, method: String, params: JSONValue, version: APIVersion,
                             accessToken: Secret?, idempotencyKey: String?) -> HTTPRequest
    {
        var body = params.objectValue ?? [:]
        let url: URL
        switch profile.auth {
        case .webhook(let webhook):
            let prefix = version == .v3 ? "rest/api" : "rest"
            url = profile.portal.appendingPathComponent("\(prefix)/\(webhook.userID)/\(webhook.code.reveal())/\(method)")
        case .oauth(let oauth):
            let base: URL
            if version == .v3 {
                base = profile.portal.appendingPathComponent("rest/api")
            } else {
                base = oauth.clientEndpoint ?? profile.portal.appendingPathComponent("rest")
            }
            url = base.appendingPathComponent(method)
            if let accessToken { body["auth"] = .string(accessToken.reveal()) }
        }
        var headers = [
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": userAgent,
        ]
        if version == .v3, let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        return HTTPRequest(method: "POST", url: url, headers: headers, body: Data(JSONWriter().bytes(.object(body))))
    }

    /// The method name the portal will run, checked before anything is sent: dotted words of letters, digits
    /// and `_`. A trailing `/` and a `.json` suffix are dropped (the portal ignores them, and the guardrails must
    /// judge the method that runs); `.xml` is refused because b24 reads JSON answers.
    public static func normalizedMethodName(_ raw: String) throws -> String {
        let shown = raw.count > 60 ? String(raw.prefix(60)) + "…" : raw
        if MethodName.asksForXML(raw) {
            throw B24Error.usage("'\(shown)' asks for an XML answer; b24 reads JSON: drop the .xml suffix")
        }
        let method = MethodName.canonical(raw)
        let valid = !method.isEmpty && method.count <= 200
            && method.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            }
        guard valid else {
            throw B24Error.usage("'\(shown)' is not a method name (expected dotted words such as crm.lead.list, no spaces)")
        }
        return method
    }
}
