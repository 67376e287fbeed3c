import B24Wire

/// What a method handler returns: the `result`, plus `total`/`next` for list methods.
struct MethodOutput {
    var result: JSONValue
    var total: Int?
    var next: Int?
    /// For list queries: how many rows the database walked to answer (the count plus the skipped offset); a
    /// `start=-1` cursor page walks none beyond its page. Operating time is charged from it (``Limits/listCost``).
    var scanned: Int?

    init(_ result: JSONValue, total: Int? = nil, next: Int? = nil, scanned: Int? = nil) {
        self.result = result
        self.total = total
        self.next = next
        self.scanned = scanned
    }
}

/// One call as a handler sees it.
struct CallEnv {
    let portal: Portal
    let caller: Caller
    let params: JSONValue
    let method: String
    let now: Double
    let inBatch: Bool

    /// A parameter by name, in any case (CRM v2 accepts `id`/`ID`, `fields`/`FIELDS`).
    func param(_ name: String) -> JSONValue? {
        guard let value = params.member(caseInsensitive: name), !value.isNull else { return nil }
        return value
    }
}

/// How a method reacts to webhook (non-app) callers.
enum AppOnly {
    case no
    /// 403 WRONG_AUTH_TYPE (event.bind and friends).
    case wrongAuthType
    /// 400 ACCESS_DENIED "Access denied! Application context required" (app.info).
    case accessDenied
}

/// A method the sandbox portal knows.
struct MethodDef {
    let name: String
    /// Required scope; nil for `basic` methods.
    let scope: String?
    var appOnly: AppOnly = .no
    var adminOnly = false
    var allowedInBatch = true
    let run: (CallEnv) throws -> MethodOutput
}

/// All methods by lowercased name.
struct MethodRegistry {
    private(set) var methods: [String: MethodDef] = [:]

    mutating func add(_ name: String, scope: String?, appOnly: AppOnly = .no, adminOnly: Bool = false,
                      batch: Bool = true, _ run: @escaping (CallEnv) throws -> MethodOutput) {
        methods[name.lowercased()] = MethodDef(name: name, scope: scope, appOnly: appOnly, adminOnly: adminOnly,
                                               allowedInBatch: batch, run: run)
    }

    subscript(name: String) -> MethodDef? { methods[name] }

    var names: [String] { methods.keys.sorted() }
}
