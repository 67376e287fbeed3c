import B24Catalog
import B24Wire
import Foundation

/// An error answered by the portal itself, in either the REST v2 or the REST 3.0 shape.
public struct PortalError: Sendable, Equatable, Codable {
    /// The error code as text: `QUERY_LIMIT_EXCEEDED`, `""` (CRM), `"0"`/`"100"` (tasks), `"200040300010"` (catalog).
    public var code: String
    /// The portal's description (v2 `error_description`, v3 `message`).
    public var message: String
    /// HTTP status of the answer.
    public var httpStatus: Int
    /// REST 3.0 validation details: field and message.
    public var validation: [FieldProblem]
    /// Which envelope the error came in.
    public var apiVersion: APIVersion

    /// One REST 3.0 validation problem.
    public struct FieldProblem: Sendable, Equatable, Codable {
        public var field: String
        public var message: String
    }

    public init(code: String, message: String, httpStatus: Int, validation: [FieldProblem] = [], apiVersion: APIVersion = .v2) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.validation = validation
        self.apiVersion = apiVersion
    }

    /// Reads an error envelope: v2 `{error, error_description}` (string, empty or numeric code) or v3
    /// `{error:{code,message,validation}}`. Returns nil when the body holds no error.
    public static func from(envelope: JSONValue, httpStatus: Int) -> PortalError? {
        guard let error = envelope["error"] else { return nil }
        switch error {
        case .object(let object):
            let validation = (object["validation"]?.arrayValue ?? []).map {
                FieldProblem(field: $0["field"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "")
            }
            return PortalError(
                code: object["code"]?.stringValue ?? "", message: object["message"]?.stringValue ?? "",
                httpStatus: httpStatus, validation: validation, apiVersion: .v3)
        case .string, .int, .double:
            // Codes may be empty (CRM), numeric (sale, catalog) or numeric strings (tasks).
            return PortalError(
                code: error.stringValue ?? "", message: envelope["error_description"]?.stringValue ?? "",
                httpStatus: httpStatus)
        default:
            return nil
        }
    }

    /// "portal error CODE (HTTP 400): the portal's words; field: problem — advice", the one line every front end
    /// shows; each brings its own advice (the CLI names flags, the console its keys).
    public func line(advice: String?) -> String {
        var line = "portal error \(code.isEmpty ? "(empty code)" : code) (HTTP \(httpStatus)): \(message)"
        for problem in validation { line += "; \(problem.field): \(problem.message)" }
        if let advice { line += " — \(advice)" }
        return line
    }

    /// Codes after which retrying cannot help: auth, scope, missing method, access, payment.
    public var isFatal: Bool {
        let fatal: Set<String> = [
            "NO_AUTH_FOUND", "INVALID_CREDENTIALS", "insufficient_scope", "WRONG_AUTH_TYPE", "ACCESS_DENIED",
            "ERROR_METHOD_NOT_FOUND", "PAYMENT_REQUIRED", "user_access_error", "PORTAL_DELETED", "invalid_grant",
            "WRONG_CLIENT", "ALLOWED_ONLY_INTRANET_USER", "ACCESS_ERROR", "METHOD_CONFIRM_DENIED",
            "INVALID_REQUEST", "ERROR_BATCH_METHOD_NOT_ALLOWED", "ERROR_BATCH_LENGTH_EXCEEDED",
        ]
        return fatal.contains(code) || code.hasSuffix("ACCESSDENIEDEXCEPTION")
            || code.hasSuffix("INSUFFICIENTSCOPEEXCEPTION")
    }

    /// The portal does not accept these credentials at all: a wrong webhook code or token.
    public var isCredentialRejection: Bool {
        ["NO_AUTH_FOUND", "INVALID_CREDENTIALS", "invalid_token", "expired_token", "invalid_grant", "invalid_client"]
            .contains(code)
    }

    /// `expired_token` / `invalid_token`: refresh once and retry once.
    public var isExpiredToken: Bool { code == "expired_token" || code == "invalid_token" }

    /// 503 QUERY_LIMIT_EXCEEDED: the portal turned the request away before running it.
    public var isRateLimited: Bool { code == "QUERY_LIMIT_EXCEEDED" }

    /// 429 OPERATION_TIME_LIMIT: the method's operating-time budget is spent until `operating_reset_at`.
    public var isOperatingLimit: Bool { code == "OPERATION_TIME_LIMIT" }

    /// Server-side failures that a read may retry: 5xx other than the limit codes.
    public var isServerFault: Bool {
        httpStatus >= 500 && !isRateLimited && code != "OVERLOAD_LIMIT" && code != "PORTAL_DELETED"
    }
}

/// How a request failed below the HTTP layer.
public enum TransportFailureKind: String, Sendable, Codable, Equatable {
    case timeout, connectionRefused, unknownHost, connectionLost, tls, other
}

/// Every way a b24 call can fail. Each case maps to one documented exit code of the CLI.
public enum B24Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bad command-line input, bad parameters or bad configuration.
    case usage(String)
    /// Blocked by a rule outside the guardrails' gates: plan unknown/expired/used, idempotency key reused, a
    /// write stopped before it was sent.
    case policy(String)
    /// Refused by a guardrail (allowlist, read-only, missing confirmation, plan required, nested batch, operating
    /// budget), as data; its message is "blocked: " and the CLI wording of the refusal.
    case refused(Refusal)
    /// The task running the call was cancelled (while it waited, or with a read on the wire). A write the portal
    /// may have run when it was cancelled is ``outcomeUnknown(method:reason:)`` instead.
    case cancelled(method: String)
    /// The portal answered with an error envelope.
    case portal(PortalError)
    /// The portal (or a proxy) answered with an HTTP error that carries no Bitrix24 envelope (an HTML page).
    case http(status: Int, snippet: String)
    /// The request did not complete at the network level.
    case transport(TransportFailureKind, String)
    /// The response could not be read (truncated JSON, invalid UTF-8, not JSON).
    case decoding(String)
    /// A write was sent but its response never came: it may or may not have run. Never resent.
    case outcomeUnknown(method: String, reason: String)
    /// OAuth credentials are gone or rejected; the user must run `b24 login`.
    case loginRequired(profile: String, reason: String)

    /// One line for people, already free of secrets (the caller redacts it).
    public var message: String {
        switch self {
        case .usage(let text): return text
        case .policy(let text): return "blocked: \(text)"
        case .refused(let refusal): return "blocked: \(refusal.cliText)"
        case .cancelled(let method): return "cancelled: \(method) was stopped before it finished"
        case .portal(let error):
            return error.line(advice: ErrorAdvice.hint(for: error))
        case .http(let status, let snippet):
            return "HTTP \(status) without a Bitrix24 answer (proxy or server page?): \(snippet)"
        case .transport(let kind, let text): return "network error (\(kind.rawValue)): \(text)"
        case .decoding(let text): return "unreadable response: \(text)"
        case .outcomeUnknown(let method, let reason):
            return "outcome unknown for \(method): \(reason). The write may have run and was not resent; check the portal first."
        case .loginRequired(let profile, let reason):
            // Environment profiles cannot be logged in to; their message already says what to set.
            return profile == "env" || profile == "webhook" ? reason : "\(reason) — run `b24 login \(profile)`"
        }
    }

    /// The ``message``: an error interpolated into text reads as it does on the terminal.
    public var description: String { message }

    /// The process exit code for this error (see README, "Exit codes").
    public var exitCode: Int32 {
        switch self {
        case .usage: return B24ExitCode.usage
        case .policy, .refused: return B24ExitCode.policy
        // The CLI never gets here (a signal ends it first); the README's row 3 covers a write stopped before it left.
        case .cancelled: return B24ExitCode.policy
        case .portal(let error) where error.isCredentialRejection: return B24ExitCode.auth
        case .portal: return B24ExitCode.portal
        case .http, .transport, .decoding: return B24ExitCode.transport
        case .outcomeUnknown: return B24ExitCode.outcomeUnknown
        case .loginRequired: return B24ExitCode.auth
        }
    }

    /// A short code for audit and history: the portal code, or the failure kind.
    public var auditCode: String {
        switch self {
        case .usage: return "USAGE"
        case .policy, .refused: return "POLICY"
        case .cancelled: return "CANCELLED"
        case .portal(let error): return error.code.isEmpty ? "EMPTY_CODE" : error.code
        case .http(let status, _): return "HTTP_\(status)"
        case .transport(let kind, _): return "TRANSPORT_\(kind.rawValue)"
        case .decoding: return "DECODING"
        case .outcomeUnknown: return "OUTCOME_UNKNOWN"
        case .loginRequired: return "LOGIN_REQUIRED"
        }
    }
}

/// Documented process exit codes of the `b24` CLI.
public enum B24ExitCode {
    public static let ok: Int32 = 0
    /// Bad arguments, parameters or configuration.
    public static let usage: Int32 = 64
    /// Refused by a guardrail: allowlist, read-only, confirmation, plan.
    public static let policy: Int32 = 3
    /// The portal answered with an error.
    public static let portal: Int32 = 4
    /// No usable answer: network failure, timeout, non-JSON or truncated response.
    public static let transport: Int32 = 5
    /// A write whose outcome is unknown (sent, no response): check before retrying.
    public static let outcomeUnknown: Int32 = 6
    /// Credentials rejected or refresh failed: run `b24 login`.
    public static let auth: Int32 = 7
}

/// What to do next, as the CLI says it: the words of ``ErrorCatalog`` and, where there is one, the command that
/// does it.
public enum ErrorAdvice {
    /// A one-line hint for a portal error, or nil when the table knows nothing useful to add.
    public static func hint(for error: PortalError) -> String? {
        guard let explanation = ErrorCatalog.explain(error) else { return nil }
        switch explanation.remedy {
        case .login?: return explanation.action + " (`b24 login NAME` for an OAuth profile; a webhook has no token: check its URL)"
        case .useApplication?: return explanation.action + " (`b24 profile add NAME --oauth …`, then --profile NAME)"
        case .diagnose? where error.code == "ERROR_METHOD_NOT_FOUND":
            return explanation.action + " (REST 3.0 methods need --v3)"
        default: return explanation.action
        }
    }
}
