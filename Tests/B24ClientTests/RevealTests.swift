import B24Client
import B24Wire
import Foundation
import Testing

/// The unmasked request behind a "copy with the real secret": the same URL the call went to, the token where the
/// portal reads it, and only for the client's own profile.
@Suite("Revealed request for a confirmed copy")
struct RevealTests {
    @Test("a webhook call: the URL it went to, with the real code; only for its own profile")
    func webhook() async throws {
        let env = try await ClientTestEnvironment()
        let client = try env.webhookClient()
        let outcome = await client.call(CallRequest(method: "crm.lead.get", params: ["ID": 3]))
        let envelope = try outcome.result.get()
        let recorded = outcome.trace.request
        #expect(!recorded.url.contains(env.webhookCode))
        #expect(recorded.maskedWebhookURL == env.adminWebhook.absoluteString.replacingOccurrences(of: env.webhookCode, with: "****"))
        let revealed = try client.revealedRequest(recorded, method: "crm.lead.get", apiVersion: .v2, profile: "sandbox")
        #expect(revealed.url == env.adminWebhook.absoluteString + "crm.lead.get")
        #expect(revealed.params == recorded.params)
        // A call of another profile never gets this one's secret.
        #expect(throws: B24Error.self) {
            try client.revealedRequest(recorded, method: "crm.lead.get", apiVersion: .v2, profile: "main")
        }
        // REST 3.0 goes through /rest/api/; the webhook to give `--webhook` is still /rest/USER/CODE/.
        let v3 = CallTrace.RequestRecord(httpMethod: "POST", url: "https://b24.example/rest/api/7/****/tasks.task.get", params: [:])
        #expect(v3.maskedWebhookURL == "https://b24.example/rest/7/****/")
        #expect(try client.revealedRequest(v3, method: "tasks.task.get", apiVersion: .v3, profile: "sandbox").url
            == env.adminWebhook.absoluteString.replacingOccurrences(of: "/rest/", with: "/rest/api/") + "tasks.task.get")
        _ = envelope
        await env.stop()
    }

    @Test("an application's call: the URL stays token-free, the current access token goes in the body as auth")
    func oauth() async throws {
        let env = try await ClientTestEnvironment()
        let client = try env.oauthClient()
        let outcome = await client.call(CallRequest(method: "user.current"))
        #expect(outcome.trace.status == "ok")
        let recorded = outcome.trace.request
        #expect(recorded.maskedWebhookURL == nil)
        let revealed = try client.revealedRequest(recorded, method: "user.current", apiVersion: .v2, profile: "app")
        #expect(revealed.url == recorded.url)
        let token = try #require(revealed.params["auth"]?.stringValue)
        #expect(token.count > 8 && !token.contains("*"))
        // History and the audit line keep the token masked; only the auth store holds it.
        #expect(try !env.everythingWritten().contains(token))
        await env.stop()
    }
}
