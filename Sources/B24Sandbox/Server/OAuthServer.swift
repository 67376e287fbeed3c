import B24Wire
import Foundation

/// The fake authorization server (PROTOCOL §2.7): `/oauth/authorize/` auto-approves and redirects with a code,
/// `/oauth/token/` trades codes and refresh tokens (rotated) for token pairs.
enum OAuthServer {
    static func authorize(_ request: IncomingRequest, portal: Portal) -> HTTPAnswer {
        let query = (try? PHPForm.decode(request.query ?? "")) ?? .emptyObject
        guard let clientID = query["client_id"]?.stringValue, clientID == portal.identity.clientID else {
            return .text(400, "<html><body><h1>Application not found</h1><p>invalid_client</p></body></html>",
                         type: "text/html; charset=utf-8")
        }
        let userID = Int(query["user_id"]?.intValue ?? 1)
        guard portal.directory.user(userID) != nil else { return .text(400, "Unknown user\n") }
        let code = portal.auth.issueCode(userID: userID, clientID: clientID, now: PortalClock.now())
        let target = query["redirect_uri"]?.stringValue ?? (portal.baseURL + "/sandbox-app/handler/")
        var pairs: [(String, String)] = [("code", code)]
        if let state = query["state"]?.stringValue { pairs.append(("state", state)) }
        pairs += [("domain", portal.host), ("member_id", portal.identity.memberID),
                  ("scope", Portal.allScopes.joined(separator: ",")), ("server_domain", portal.host)]
        let encoded = pairs.map { PHPForm.percentEncode($0.0) + "=" + PHPForm.percentEncode($0.1) }.joined(separator: "&")
        return .redirect(target + (target.contains("?") ? "&" : "?") + encoded)
    }

    static func token(_ request: IncomingRequest, portal: Portal) -> HTTPAnswer {
        let params: JSONValue
        do {
            params = try RequestParams.parse(query: request.query, body: request.body,
                                             contentType: request.contentType, jsonOnly: false)
        } catch {
            return failure(400, "invalid_request", "Malformed request", portal: portal)
        }
        let grant = params["grant_type"]?.stringValue ?? ""
        guard grant == "authorization_code" || grant == "refresh_token" else {
            return failure(400, "invalid_request", "Unsupported grant_type", portal: portal)
        }
        guard params["client_id"]?.stringValue == portal.identity.clientID,
              params["client_secret"]?.stringValue == portal.identity.clientSecret
        else { return failure(401, "invalid_client", "Invalid client credentials", portal: portal) }
        let now = PortalClock.now()
        let userID: Int?
        if grant == "authorization_code" {
            guard let code = params["code"]?.stringValue, !code.isEmpty else {
                return failure(400, "invalid_request", "Code is required", portal: portal)
            }
            userID = portal.auth.redeemCode(code, clientID: portal.identity.clientID, now: now)
        } else {
            guard let refresh = params["refresh_token"]?.stringValue, !refresh.isEmpty else {
                return failure(400, "invalid_request", "Refresh token is required", portal: portal)
            }
            userID = portal.auth.redeemRefresh(refresh, clientID: portal.identity.clientID, now: now)
        }
        guard let userID else { return failure(400, "invalid_grant", "Invalid grant", portal: portal) }
        portal.stats.grant(grant)
        return .json(200, portal.writer.bytes(tokenResponse(userID: userID, portal: portal, now: now)))
    }

    /// The §2.7 token answer for a fresh pair.
    static func tokenResponse(userID: Int, portal: Portal, now: Double) -> JSONValue {
        let pair = portal.auth.issue(userID: userID, clientID: portal.identity.clientID, now: now)
        return [
            "access_token": .string(pair.access),
            "expires": .int(Int64(pair.expires)),
            "expires_in": .int(Int64(portal.options.accessTokenLifetime)),
            "scope": .string(Portal.allScopes.joined(separator: ",")),
            "domain": .string(portal.host),
            "server_endpoint": .string(portal.baseURL + "/rest/"),
            "status": "L",
            "client_endpoint": .string(portal.restEndpoint),
            "member_id": .string(portal.identity.memberID),
            "user_id": .int(Int64(userID)),
            "refresh_token": .string(pair.refresh),
        ]
    }

    private static func failure(_ status: Int, _ code: String, _ text: String, portal: Portal) -> HTTPAnswer {
        portal.stats.error(code)
        return .json(status, portal.writer.bytes(["error": .string(code), "error_description": .string(text)]))
    }
}
