import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("OAuth")
struct OAuthTests {
    func tokenURL(_ sandbox: Sandbox, _ query: [String: String]) -> URL {
        let text = query.sorted { $0.key < $1.key }.map { "\($0.key)=\(PHPForm.percentEncode($0.value))" }.joined(separator: "&")
        return URL(string: sandbox.oauthServerURL.absoluteString + "token/?" + text)!
    }

    @Test func authorizeCodeRefreshRotation() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let authorize = URL(string: sandbox.oauthServerURL.absoluteString
                + "authorize/?client_id=\(sandbox.oauthClientID)&state=xyz&redirect_uri=http%3A%2F%2Fapp.example%2Fcb")!
            let redirect = try await send(authorize, method: "GET")
            #expect(redirect.status == 302)
            let location = try #require(redirect.header("Location"))
            #expect(location.hasPrefix("http://app.example/cb?code="))
            let query = try PHPForm.decode(String(location.split(separator: "?")[1]))
            #expect(query["state"] == "xyz")
            #expect(query["member_id"]?.stringValue?.count == 32)
            #expect(query["scope"]?.stringValue?.contains("crm") == true)
            #expect(query["domain"] != nil && query["server_domain"] != nil)
            let code = try #require(query["code"]?.stringValue)

            let base = ["client_id": sandbox.oauthClientID, "client_secret": sandbox.oauthClientSecret]
            let grant = try await send(tokenURL(sandbox, base.merging(["grant_type": "authorization_code", "code": code]) { $1 }), method: "GET")
            #expect(grant.status == 200)
            let tokens = try #require(grant.json)
            for key in ["access_token", "refresh_token", "expires_in", "expires", "client_endpoint", "server_endpoint",
                        "domain", "member_id", "scope", "status", "user_id"] {
                #expect(tokens[key] != nil, "\(key)")
            }
            #expect(tokens["expires_in"] == 3600)
            let reused = try await send(tokenURL(sandbox, base.merging(["grant_type": "authorization_code", "code": code]) { $1 }), method: "GET")
            #expect(reused.status == 400)
            #expect(reused.json?["error"] == "invalid_grant")

            let access = try #require(tokens["access_token"]?.stringValue)
            let endpoint = try #require(tokens["client_endpoint"]?.stringValue)
            let viaQuery = try await send(URL(string: endpoint + "user.current?auth=\(access)")!, method: "GET")
            #expect(viaQuery.json?["result"]?["ID"] == "1")
            let viaBody = try await send(URL(string: endpoint + "app.info")!, .json(["auth": .string(access)]))
            #expect(viaBody.json?["result"]?["STATUS"] != nil)
            let viaForm = try await send(URL(string: endpoint + "profile.json")!, .form("auth=\(access)"))
            #expect(viaForm.status == 200)

            let refresh = try #require(tokens["refresh_token"]?.stringValue)
            let refreshed = try await send(tokenURL(sandbox, base.merging(["grant_type": "refresh_token", "refresh_token": refresh]) { $1 }), method: "POST")
            #expect(refreshed.status == 200)
            #expect(refreshed.json?["refresh_token"]?.stringValue != refresh)
            let again = try await send(tokenURL(sandbox, base.merging(["grant_type": "refresh_token", "refresh_token": refresh]) { $1 }), method: "GET")
            #expect(again.status == 400)
            #expect(again.json?["error"] == "invalid_grant")
            let wrongClient = try await send(tokenURL(sandbox, ["grant_type": "refresh_token", "client_id": "x", "client_secret": "y", "refresh_token": "z"]), method: "GET")
            #expect(wrongClient.json?["error"] == "invalid_client")
            #expect(sandbox.stats.tokenGrants == ["authorization_code": 1, "refresh_token": 1])
        }
    }

    @Test func expiredAndInvalidTokens() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let tokens = sandbox.issueTokens(userID: 3)
            let rest = sandbox.baseURL.absoluteString + "/rest/"
            let ok = try await send(URL(string: rest + "profile")!, .json(["auth": .string(tokens.access)]))
            #expect(ok.json?["result"]?["ID"] == "3")
            sandbox.expireAccessTokens()
            let expired = try await send(URL(string: rest + "profile")!, .json(["auth": .string(tokens.access)]))
            #expect(expired.status == 401)
            #expect(expired.json?["error"] == "expired_token")
            let invalid = try await send(URL(string: rest + "profile?auth=nonsense")!, method: "GET")
            #expect(invalid.status == 401)
            #expect(invalid.json?["error"] == "invalid_token")
        }
    }

    @Test func tokenFormPost() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let tokens = sandbox.issueTokens(userID: 1)
            let body = PHPForm.encode(["grant_type": "refresh_token", "client_id": .string(sandbox.oauthClientID),
                                       "client_secret": .string(sandbox.oauthClientSecret),
                                       "refresh_token": .string(tokens.refresh)])
            let answer = try await send(URL(string: sandbox.oauthServerURL.absoluteString + "token/")!, .form(body))
            #expect(answer.status == 200)
            #expect(answer.json?["user_id"] == 1)
        }
    }
}

@Suite("Application context")
struct AppContextTests {
    @Test func eventBindingNeedsAppAndAdmin() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let byWebhook = try await call(sandbox.adminWebhookURL, "event.bind", ["event": "ONCRMLEADADD", "handler": "http://h/"])
            #expect(byWebhook.status == 403)
            #expect(byWebhook.json?["error"] == "WRONG_AUTH_TYPE")
            let rest = sandbox.baseURL.absoluteString + "/rest/"
            let admin = sandbox.issueTokens(userID: 1).access
            let user = sandbox.issueTokens(userID: 3).access
            func app(_ method: String, _ token: String, _ params: JSONObject) async throws -> Exchange {
                var body = params
                body["auth"] = .string(token)
                return try await send(URL(string: rest + method)!, .json(.object(body)))
            }
            #expect(try await app("event.bind", admin, ["event": "onCrmLeadAdd", "handler": "https://www.my-domain.com/handler/"]).json?["result"] == true)
            let duplicate = try await app("event.bind", admin, ["event": "ONCRMLEADADD", "handler": "https://www.my-domain.com/handler/"])
            #expect(duplicate.status == 400)
            let unknown = try await app("event.bind", admin, ["event": "ONNOTHING", "handler": "http://h/"])
            #expect(unknown.json?["error"] == "ERROR_EVENT_NOT_FOUND")
            let offline = try await app("event.bind", user, ["event": "ONCRMLEADADD", "event_type": "offline"])
            #expect(offline.status == 403)
            #expect(offline.json?["error"] == "ACCESS_DENIED")
            let listed = try await app("event.get", admin, [:])
            #expect(listed.json?["result"]?[0]?["event"] == "ONCRMLEADADD")
            #expect(listed.text.contains("https:\\/\\/www.my-domain.com\\/handler\\/"))
            let removed = try await app("event.unbind", admin, ["event": "ONCRMLEADADD", "handler": "https://www.my-domain.com/handler/"])
            #expect(removed.json?["result"] == ["count": 1])
        }
    }
}
