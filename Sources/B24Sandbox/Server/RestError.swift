import B24Wire

/// An error answer of the portal, in the v2 shape `{"error": code, "error_description": text, ...extra}`.
/// `code` is a JSON value because real methods answer with empty strings, numbers or numeric strings.
struct RestError: Error {
    var status: Int
    var code: JSONValue
    var description: String
    var extra: JSONObject = [:]
    /// REST 3.0 validation details, `[{"field","message"}]`.
    var validation: [JSONValue] = []

    init(_ status: Int, _ code: String, _ description: String) {
        self.status = status
        self.code = .string(code)
        self.description = description
    }

    init(status: Int, code: JSONValue, description: String, extra: JSONObject = [:]) {
        self.status = status
        self.code = code
        self.description = description
        self.extra = extra
    }

    /// The code as text, for stats.
    var codeText: String { code.stringValue ?? "" }

    var body: JSONValue {
        var object: JSONObject = ["error": code, "error_description": .string(description)]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    // MARK: System errors (PROTOCOL §2.3)

    static let methodNotFound = RestError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    static let noAuth = RestError(401, "NO_AUTH_FOUND", "Wrong authorization data")
    static let expiredToken = RestError(401, "expired_token", "The access token provided has expired.")
    static let invalidToken = RestError(401, "invalid_token", "The access token provided is invalid.")
    static let insufficientScope = RestError(
        403, "insufficient_scope", "The request requires higher privileges than provided by the webhook token")
    static let queryLimit = RestError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
    static let internalError = RestError(500, "INTERNAL_SERVER_ERROR", "Internal server error")
    static let httpsRequired = RestError(400, "INVALID_REQUEST", "Https required")
    static let batchLength = RestError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    static let batchMethodNotAllowed = RestError(
        405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
    static let wrongAuthType = RestError(403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method")
    static let accessDenied = RestError(403, "ACCESS_DENIED", "Access denied!")
    static let operationTimeLimit = RestError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")

    /// CRM's `{"error":"","error_description":...}` 400 answers.
    static func crm(_ description: String) -> RestError { RestError(400, "", description) }

    /// A missing or wrong argument, in the portal's common form.
    static func argument(_ name: String, _ text: String? = nil) -> RestError {
        RestError(status: 400, code: "ERROR_ARGUMENT",
                  description: text ?? "Argument '\(name)' is null or empty", extra: ["argument": .string(name)])
    }
}
