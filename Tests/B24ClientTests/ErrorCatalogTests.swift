import B24Client
import B24Wire
import Foundation
import Testing

@Suite("Errors explained: one table for the CLI and the console")
struct ErrorCatalogTests {
    /// The codes the debugging issue names; each must have a cause and a next action.
    static let named = [
        "WRONG_AUTH_TYPE", "insufficient_scope", "expired_token", "invalid_token", "invalid_grant", "NO_AUTH_FOUND",
        "INVALID_CREDENTIALS", "QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "ACCESS_DENIED", "PAYMENT_REQUIRED",
        "ERROR_METHOD_NOT_FOUND", "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
    ]
    static let v3 = [
        "VALIDATION_REQUESTVALIDATIONEXCEPTION", "INVALIDJSONEXCEPTION", "UNKNOWNDTOPROPERTYEXCEPTION",
        "UNKNOWNFILTEROPERATOREXCEPTION", "ENTITYNOTFOUNDEXCEPTION", "ACCESSDENIEDEXCEPTION", "INSUFFICIENTSCOPEEXCEPTION",
        "IDEMPOTENCYKEYREUSEDEXCEPTION", "INVALIDIDEMPOTENCYKEYEXCEPTION", "INVALIDSELECTEXCEPTION",
        "INVALIDPAGINATIONEXCEPTION", "INVALIDORDEREXCEPTION", "INVALIDFILTEREXCEPTION", "VALIDATION_DTOVALIDATIONEXCEPTION",
        "VALIDATION_REQUESTFILTERVALIDATIONEXCEPTION",
    ]

    /// The other codes PROTOCOL.md lists (system errors §2.3, "other codes clients map", OAuth, events).
    static let protocolCodes = [
        "INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER", "ERROR_MANIFEST_IS_NOT_AVAILABLE", "user_access_error",
        "METHOD_CONFIRM_WAITING", "METHOD_CONFIRM_DENIED", "WRONG_CLIENT", "ALLOWED_ONLY_INTRANET_USER", "ACCESS_ERROR",
        "invalid_request", "invalid_client", "invalid_scope", "bad_verification_code", "INVALID_REQUEST",
        "ERROR_EVENT_NOT_FOUND", "CODE_EMPTY", "ERROR_CORE", "ERROR_ARGUMENT", "OVERLOAD_LIMIT", "PORTAL_DELETED",
    ]

    @Test func everyNamedCodeHasACauseAndANextAction() {
        let codes = Self.named + Self.protocolCodes + Self.v3.map { "BITRIX_REST_V3_EXCEPTION_" + $0 }
        for code in codes {
            let explanation = ErrorCatalog.explain(PortalError(code: code, message: "x", httpStatus: 400))
            #expect(explanation != nil, "no explanation for \(code)")
            #expect((explanation?.cause.count ?? 0) > 20 && (explanation?.action.count ?? 0) > 10, "\(code) says too little")
        }
        #expect(Set(codes).isSubset(of: Set(ErrorCatalog.knownCodes)))
    }

    @Test func crmEmptyCodesHttpPagesAndUnknownOutcomesAreExplained() {
        let notFound = ErrorCatalog.explain(PortalError(code: "", message: "Not found", httpStatus: 400))
        #expect(notFound?.title == "Not found" && notFound?.remedy == .diagnose)
        let denied = ErrorCatalog.explain(PortalError(code: "", message: "Access denied.", httpStatus: 400))
        #expect(denied?.title == "Access denied")
        let catalogDenied = ErrorCatalog.explain(PortalError(code: "200040300010", message: "Access denied", httpStatus: 400))
        #expect(catalogDenied?.title == "Access denied")
        #expect(ErrorCatalog.explain(.http(status: 502, snippet: "<html>Bad gateway</html>"))?.remedy == .retryLater)
        #expect(ErrorCatalog.explain(.http(status: 500, snippet: "oops"))?.title.contains("500") == true)
        #expect(ErrorCatalog.explain(PortalError(code: "", message: "x", httpStatus: 503))?.remedy == .retryLater)
        // A coded 5xx is Bitrix24's own answer, not a proxy page: a deleted portal is not "try again in a minute".
        #expect(ErrorCatalog.explain(PortalError(code: "PORTAL_DELETED", message: "x", httpStatus: 500))?.title == "Portal deleted")
        #expect(ErrorCatalog.explain(PortalError(code: "SOMETHING", message: "x", httpStatus: 503)) == nil)
        let unknown = ErrorCatalog.explain(.outcomeUnknown(method: "crm.lead.add", reason: "timed out"))
        #expect(unknown?.remedy == .checkBeforeRetry)
        #expect(ErrorCatalog.explain(.usage("bad flag")) == nil)
    }

    /// The CLI's one-line message carries the table's action: one source of words.
    @Test func theCLIMessageUsesTheTable() throws {
        for code in Self.named {
            let error = PortalError(code: code, message: "the portal's words", httpStatus: 400)
            let action = try #require(ErrorCatalog.explain(error)?.action)
            #expect(B24Error.portal(error).message.contains(action), "\(code): \(B24Error.portal(error).message)")
        }
        #expect(B24Error.portal(PortalError(code: "expired_token", message: "x", httpStatus: 401)).message.contains("b24 login"))
    }

    /// Real errors from the sandbox come out explained, as a person meets them.
    @Test func sandboxErrorsComeOutExplained() async throws {
        let env = try await ClientTestEnvironment()
        let client = try env.webhookClient()
        func explained(_ method: String, _ params: JSONValue = .emptyObject, client: B24Client) async -> ErrorExplanation? {
            guard case .failure(let error) = await client.call(CallRequest(method: method, params: params)).result else { return nil }
            return ErrorCatalog.explain(error)
        }
        #expect(await explained("crm.lead.nosuch", client: client)?.title == "Method not found")
        #expect(await explained("crm.lead.get", ["id": 987_654], client: client)?.title == "Not found")
        #expect(await explained("event.get", client: client)?.title == "Wrong auth type")
        let parsed = try WebhookAuth.parse(env.sandbox.crmWebhookURL.absoluteString)
        let profile = Profile(name: "crm-only", portal: parsed.portal, auth: .webhook(parsed.auth))
        try AuthStore(paths: env.paths).add(profile, replace: true)
        let crmOnly = try B24Client(profile: ResolvedProfile(profile: profile, isSaved: true), paths: env.paths,
                                    options: ClientTestEnvironment.fastOptions())
        #expect(await explained("tasks.task.list", client: crmOnly)?.title == "Missing scope")
        await env.sandbox.stop()
    }
}
