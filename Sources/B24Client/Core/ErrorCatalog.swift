import Foundation

/// What a person can do next about an error, as data: the CLI turns it into a command or a flag, the console into a
/// key. The words of ``ErrorExplanation/action`` never name either.
public enum ErrorRemedy: String, Sendable, Equatable, CaseIterable {
    /// Check the call against the portal: method, scope, user, auth kind, limits (read-only).
    case diagnose
    /// Sign in again (OAuth) or fix the webhook URL of the profile.
    case login
    /// Use a profile that signs in as an OAuth application.
    case useApplication
    /// Change the call's parameters and send it again.
    case editCall
    /// Send it again later: the portal's limit or a passing fault.
    case retryLater
    /// Read the object on the portal before sending a write again.
    case checkBeforeRetry
    /// Split the batch, or send the command on its own.
    case splitBatch
}

/// Why an error happened and what to do, in plain words, for every error b24 knows.
public struct ErrorExplanation: Sendable, Equatable {
    /// A few words naming the error ("Wrong auth type").
    public var title: String
    /// What it means on the portal's side.
    public var cause: String
    /// What to do next, in words that fit the CLI and the console alike.
    public var action: String
    /// The next step a front end can offer as a key or a command.
    public var remedy: ErrorRemedy?

    public init(_ title: String, cause: String, action: String, remedy: ErrorRemedy? = nil) {
        self.title = title
        self.cause = cause
        self.action = action
        self.remedy = remedy
    }
}

/// The one table of error explanations: the CLI's messages and the console's inspector and step view read it.
public enum ErrorCatalog {
    /// The explanation of any call error; nil for errors whose message already says everything (usage, refusals).
    public static func explain(_ error: B24Error) -> ErrorExplanation? {
        switch error {
        case .portal(let portal): return explain(portal)
        case .http(let status, _): return httpPage(status)
        case .transport(let kind, _): return transport(kind)
        case .decoding:
            return ErrorExplanation("Unreadable answer", cause: "the answer was cut off, not JSON, or not UTF-8: a proxy or an overloaded server",
                                    action: "send it again; if it repeats, look at the raw answer in history", remedy: .retryLater)
        case .outcomeUnknown:
            return outcomeUnknown
        case .loginRequired:
            return byCode["invalid_grant"]
        case .usage, .policy, .refused, .cancelled:
            return nil
        }
    }

    /// The explanation of a portal error by its code (REST 3.0 exceptions by their suffix, CRM's empty codes by
    /// their words, HTTP 5xx by status).
    public static func explain(_ error: PortalError) -> ErrorExplanation? {
        if let known = byCode[error.code] { return known }
        if error.code.hasPrefix(v3Prefix), let known = v3[String(error.code.dropFirst(v3Prefix.count))] { return known }
        let words = error.message.lowercased()
        if error.code.isEmpty || Int(error.code) != nil {
            if words.contains("not found") || words.contains("not defined or invalid") { return notFound }
            if words.contains("access denied") || words.contains("not allowed") { return accessDenied }
            if words.contains("must be array") || words.contains("is not specified") { return badParameters }
        }
        // A coded 5xx is Bitrix24's own answer (its code is in the table, or unknown); only a codeless one may be a page
        // in front of it.
        if error.httpStatus >= 500, error.code.isEmpty || Int(error.code) != nil { return httpPage(error.httpStatus) }
        return nil
    }

    /// Every code the table knows by name (tests walk it).
    public static var knownCodes: [String] { byCode.keys.sorted() + v3.keys.sorted().map { v3Prefix + $0 } }

    static let v3Prefix = "BITRIX_REST_V3_EXCEPTION_"

    static let notFound = ErrorExplanation(
        "Not found", cause: "no object with this id exists, or this user cannot see it (CRM answers both the same way, with an empty code)",
        action: "check the id with the list method; an object the user cannot see looks missing", remedy: .diagnose)
    static let accessDenied = ErrorExplanation(
        "Access denied", cause: "the user the call runs as has no right to this object or action (CRM and tasks answer with an empty or numeric code)",
        action: "check who the call runs as and the user's CRM or task permissions", remedy: .diagnose)
    static let badParameters = ErrorExplanation(
        "Bad parameters", cause: "a parameter is missing or has the wrong shape (e.g. fields sent as text, not an object)",
        action: "fix the parameters and send again", remedy: .editCall)
    static let outcomeUnknown = ErrorExplanation(
        "Outcome unknown", cause: "the write was sent but no answer came back: the portal may or may not have run it",
        action: "read the object on the portal before sending the write again; b24 never resends it by itself", remedy: .checkBeforeRetry)

    static func httpPage(_ status: Int) -> ErrorExplanation {
        switch status {
        case 502, 503, 504:
            return ErrorExplanation("Gateway or server unavailable (HTTP \(status))", cause: "a proxy or the portal's front end answered instead of Bitrix24: it is restarting, overloaded or unreachable behind it",
                                    action: "send it again in a minute; reads are retried by themselves", remedy: .retryLater)
        case 500...599:
            return ErrorExplanation("Server error (HTTP \(status))", cause: "the portal failed while running the call",
                                    action: "send it again later; if a write, check the object first, it may have run", remedy: .retryLater)
        case 401, 403:
            return ErrorExplanation("Refused by a proxy (HTTP \(status))", cause: "something in front of the portal refused the request before Bitrix24 saw it (a firewall, SSO, or a wrong address)",
                                    action: "check the portal address of the profile", remedy: .diagnose)
        default:
            return ErrorExplanation("HTTP \(status) without a Bitrix24 answer", cause: "a page that is not the REST API answered: a wrong address, a proxy or a maintenance page",
                                    action: "check the portal address of the profile", remedy: .diagnose)
        }
    }

    static func transport(_ kind: TransportFailureKind) -> ErrorExplanation {
        switch kind {
        case .timeout:
            return ErrorExplanation("Timed out", cause: "no answer came in time: a slow method, a big page, or the network",
                                    action: "send it again, with a smaller page or a narrower filter for lists", remedy: .retryLater)
        case .unknownHost, .connectionRefused:
            return ErrorExplanation("Portal unreachable", cause: "the portal's address does not resolve or nothing listens there",
                                    action: "check the portal address of the profile and the network", remedy: .diagnose)
        case .tls:
            return ErrorExplanation("TLS failed", cause: "the secure connection could not be set up (certificate or proxy)",
                                    action: "check the portal address (https) and any proxy in between", remedy: .diagnose)
        case .connectionLost, .other:
            return ErrorExplanation("Connection lost", cause: "the connection broke before the answer was complete",
                                    action: "send it again; if a write, check the object first", remedy: .retryLater)
        }
    }

    static let byCode: [String: ErrorExplanation] = [
        "WRONG_AUTH_TYPE": ErrorExplanation(
            "Wrong auth type", cause: "this method only runs in an application's context (OAuth), and the call came through a webhook",
            action: "call it from a profile that signs in as an OAuth application", remedy: .useApplication),
        "insufficient_scope": ErrorExplanation(
            "Missing scope", cause: "the webhook or application was not granted the scope this method needs",
            action: "add the scope in the portal's webhook or application settings (then sign in again for an application)", remedy: .diagnose),
        "expired_token": ErrorExplanation(
            "Access token expired", cause: "an OAuth access token lives one hour",
            action: "b24 refreshes it once and retries; when that fails, sign in again", remedy: .login),
        "invalid_token": ErrorExplanation(
            "Access token invalid", cause: "the token was revoked, or belongs to another portal or application",
            action: "b24 refreshes it once and retries; when that fails, sign in again", remedy: .login),
        "invalid_grant": ErrorExplanation(
            "Sign-in expired", cause: "the refresh token expired (it lives 180 days), was replaced by a newer one, or the application was reinstalled",
            action: "sign in again", remedy: .login),
        "NO_AUTH_FOUND": ErrorExplanation(
            "Credentials not recognised", cause: "the webhook code or token is wrong, or the webhook was deleted",
            action: "check the webhook URL of the profile, or sign in again", remedy: .login),
        "INVALID_CREDENTIALS": ErrorExplanation(
            "Invalid credentials", cause: "the user behind the webhook or token is fired, blocked, or has no access to REST",
            action: "check the user in the portal, or make a new webhook", remedy: .login),
        "QUERY_LIMIT_EXCEEDED": ErrorExplanation(
            "Too many requests", cause: "the portal's request bucket is empty (about 2 requests per second after a burst of 50; Enterprise 5 after 250)",
            action: "b24 waits and retries reads by itself; lower the profile's rate or batch calls", remedy: .retryLater),
        "OPERATION_TIME_LIMIT": ErrorExplanation(
            "Operating time spent", cause: "this method used its operating-time budget on this portal (480 s of run time in 10 min, per webhook or application)",
            action: "wait for operating_reset_at, or make its calls cheaper (filters, select, cursor paging); batching does not help", remedy: .retryLater),
        "ACCESS_DENIED": ErrorExplanation(
            "Access denied", cause: "the user or the portal's plan does not allow this method (offline events and AUTH_TYPE bindings need an administrator)",
            action: "call it as a user with the rights, or check the plan", remedy: .diagnose),
        "PAYMENT_REQUIRED": ErrorExplanation(
            "Plan does not include REST", cause: "the portal's plan has ended or does not allow this",
            action: "the portal's administrator has to renew or change the plan"),
        "ERROR_METHOD_NOT_FOUND": ErrorExplanation(
            "Method not found", cause: "the portal has no such method: a typo, a module that is off, or a REST 3.0 method called as v2 (or the reverse)",
            action: "check the spelling and whether the method exists on this portal", remedy: .diagnose),
        "ERROR_BATCH_LENGTH_EXCEEDED": ErrorExplanation(
            "Batch too long", cause: "a batch takes at most 50 commands; those past 50 are refused",
            action: "split it into batches of 50 or fewer", remedy: .splitBatch),
        "ERROR_BATCH_METHOD_NOT_ALLOWED": ErrorExplanation(
            "Not allowed in a batch", cause: "a nested batch, or a file upload or download method, cannot run inside a batch",
            action: "send that command on its own", remedy: .splitBatch),
        "INTERNAL_SERVER_ERROR": ErrorExplanation(
            "Internal server error", cause: "the portal failed while running the call",
            action: "send it again later; if a write, check the object first, it may have run", remedy: .retryLater),
        "ERROR_UNEXPECTED_ANSWER": ErrorExplanation(
            "Unexpected answer", cause: "the portal's server answered something it did not expect internally",
            action: "send it again later", remedy: .retryLater),
        "INVALID_REQUEST": ErrorExplanation(
            "HTTPS required", cause: "the cloud portal refuses plain HTTP",
            action: "use the https:// address in the profile", remedy: .diagnose),
        "user_access_error": ErrorExplanation(
            "No access to the application", cause: "the user has no access to this application on the portal",
            action: "give the user access to the application in the portal's settings"),
        "ERROR_CORE": ErrorExplanation(
            "Refused by the module", cause: "the module refused the values (tasks: a required field is missing or an action is not allowed)",
            action: "read the portal's words, fix the parameters and send again", remedy: .editCall),
        "OVERLOAD_LIMIT": ErrorExplanation(
            "Blocked for overload", cause: "Bitrix24 blocked REST calls of this portal or application for overloading it (a block set by hand, not the bucket)",
            action: "slow down and contact Bitrix24 support; waiting a minute does not lift it"),
        "PORTAL_DELETED": ErrorExplanation(
            "Portal deleted", cause: "the portal no longer exists (deleted or moved to another address)",
            action: "check the portal address of the profile; retrying never helps", remedy: .diagnose),
        "ERROR_MANIFEST_IS_NOT_AVAILABLE": ErrorExplanation(
            "Manifest not available", cause: "the configuration manifest asked for is not available on this portal",
            action: "check the manifest code and that its module is installed", remedy: .editCall),
        "METHOD_CONFIRM_WAITING": ErrorExplanation(
            "Waiting for an administrator", cause: "the application asked to use this method and an administrator has not confirmed it yet",
            action: "ask the portal's administrator to confirm the application's access, then send again", remedy: .retryLater),
        "METHOD_CONFIRM_DENIED": ErrorExplanation(
            "Refused by an administrator", cause: "an administrator refused the application's request to use this method",
            action: "ask the portal's administrator to allow it; retrying does not help"),
        "WRONG_CLIENT": ErrorExplanation(
            "Wrong application", cause: "the token belongs to another application than the one calling",
            action: "sign in again with this application's client id", remedy: .login),
        "ALLOWED_ONLY_INTRANET_USER": ErrorExplanation(
            "Intranet users only", cause: "the method is open to intranet (employee) users only, and the call runs as an extranet user",
            action: "call it as an employee of the portal", remedy: .diagnose),
        "ACCESS_ERROR": ErrorExplanation(
            "Access error", cause: "the user the call runs as may not do this (im and other modules use this code)",
            action: "check who the call runs as and the user's rights in that module", remedy: .diagnose),
        "invalid_request": ErrorExplanation(
            "Bad OAuth request", cause: "the token request is malformed (a missing grant type, code or client id)",
            action: "sign in again; if it repeats, check the application's settings", remedy: .login),
        "invalid_client": ErrorExplanation(
            "Unknown application", cause: "the client id or client secret is wrong, or the application was deleted",
            action: "check the profile's client id and secret, then sign in again", remedy: .login),
        "invalid_scope": ErrorExplanation(
            "Scope not allowed", cause: "the application asked for a scope its settings do not grant",
            action: "add the scope in the application's settings, then sign in again", remedy: .login),
        "bad_verification_code": ErrorExplanation(
            "Sign-in code expired", cause: "the authorization code lives 30 s and is used once",
            action: "sign in again and let b24 take the code at once", remedy: .login),
        "ERROR_EVENT_NOT_FOUND": ErrorExplanation(
            "Unknown event", cause: "no such event name on this portal (a typo, or a module that is off)",
            action: "check the event name against event.get / the documentation", remedy: .editCall),
        "CODE_EMPTY": ErrorExplanation(
            "Code missing", cause: "the method needs a CODE parameter and got none",
            action: "fill CODE and send again", remedy: .editCall),
        "ERROR_ARGUMENT": ErrorExplanation(
            "Bad argument", cause: "a parameter the method needs is missing or empty",
            action: "fill the named argument and send again", remedy: .editCall),
    ]

    /// REST 3.0 exceptions, by the part after `BITRIX_REST_V3_EXCEPTION_`.
    static let v3: [String: ErrorExplanation] = [
        "VALIDATION_REQUESTVALIDATIONEXCEPTION": ErrorExplanation(
            "Validation failed", cause: "a parameter is missing or has the wrong type; the validation list names each field",
            action: "fix the named fields and send again", remedy: .editCall),
        "INVALIDJSONEXCEPTION": ErrorExplanation(
            "Body is not JSON", cause: "REST 3.0 reads parameters only from a JSON body (form data and the query string are ignored)",
            action: "send the parameters as JSON", remedy: .editCall),
        "UNKNOWNDTOPROPERTYEXCEPTION": ErrorExplanation(
            "Unknown field", cause: "select or filter names a field the object (or a related object) does not have",
            action: "check the field names against the method's schema", remedy: .editCall),
        "UNKNOWNFILTEROPERATOREXCEPTION": ErrorExplanation(
            "Unknown filter operator", cause: "the filter uses an operator REST 3.0 does not know",
            action: "use one of the documented operators", remedy: .editCall),
        "ENTITYNOTFOUNDEXCEPTION": ErrorExplanation(
            "Not found", cause: "no object with this id exists, or this user cannot see it",
            action: "check the id with the list method", remedy: .diagnose),
        "ACCESSDENIEDEXCEPTION": ErrorExplanation(
            "Access denied", cause: "the user the call runs as has no right to this object or action",
            action: "check who the call runs as and the user's permissions", remedy: .diagnose),
        "INSUFFICIENTSCOPEEXCEPTION": ErrorExplanation(
            "Missing scope", cause: "the webhook or application was not granted the scope this method needs",
            action: "add the scope in the portal's webhook or application settings", remedy: .diagnose),
        "IDEMPOTENCYKEYREUSEDEXCEPTION": ErrorExplanation(
            "Idempotency key reused", cause: "the same Idempotency-Key came with a different body within 24 h",
            action: "send the new body with a new key; the earlier write already ran", remedy: .checkBeforeRetry),
        "INVALIDIDEMPOTENCYKEYEXCEPTION": ErrorExplanation(
            "Bad idempotency key", cause: "the Idempotency-Key must be 1 to 255 printable ASCII characters",
            action: "send it with a valid key", remedy: .editCall),
        "INVALIDSELECTEXCEPTION": ErrorExplanation(
            "Bad select", cause: "select is malformed (or a v2 batch was posted to the REST 3.0 batch)",
            action: "fix select and send again", remedy: .editCall),
        "INVALIDPAGINATIONEXCEPTION": ErrorExplanation(
            "Bad pagination", cause: "the page or limit is out of range",
            action: "fix the pagination and send again", remedy: .editCall),
        "INVALIDORDEREXCEPTION": ErrorExplanation(
            "Bad order", cause: "order names an unknown field or direction",
            action: "fix order and send again", remedy: .editCall),
        "INVALIDFILTEREXCEPTION": ErrorExplanation(
            "Bad filter", cause: "the filter is malformed",
            action: "fix the filter and send again", remedy: .editCall),
        "VALIDATION_DTOVALIDATIONEXCEPTION": ErrorExplanation(
            "Invalid values", cause: "a value does not fit its field",
            action: "fix the named fields and send again", remedy: .editCall),
        "VALIDATION_REQUESTFILTERVALIDATIONEXCEPTION": ErrorExplanation(
            "Invalid filter values", cause: "a filter value does not fit its field",
            action: "fix the filter and send again", remedy: .editCall),
    ]
}

extension ErrorCatalog {
    /// The explanation of an error as history keeps it (its code, masked message and HTTP status).
    public static func explain(recorded error: CallTrace.TraceError) -> ErrorExplanation? {
        switch error.code {
        case "OUTCOME_UNKNOWN": return outcomeUnknown
        case "DECODING": return explain(.decoding(error.message))
        case "USAGE", "POLICY", "CANCELLED": return nil
        case "LOGIN_REQUIRED": return byCode["invalid_grant"]
        default: break
        }
        if error.code.hasPrefix("HTTP_"), let status = Int(error.code.dropFirst(5)) { return httpPage(status) }
        if error.code.hasPrefix("TRANSPORT_") {
            return transport(TransportFailureKind(rawValue: String(error.code.dropFirst(10))) ?? .other)
        }
        let code = error.code == "EMPTY_CODE" ? "" : error.code
        return explain(PortalError(code: code, message: error.message, httpStatus: error.httpStatus ?? 400))
    }
}
