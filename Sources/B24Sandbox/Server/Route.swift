/// Where a request goes, read from its path (PROTOCOL §2.1, §2.13).
enum Route: Equatable {
    /// A REST call. `api` is 2 (`/rest/...`) or 3 (`/rest/api/...`).
    case call(CallRoute)
    case oauthAuthorize
    case oauthToken
    /// The page the OAuth app's registered handler points at (shows what arrived).
    case appHandler
    case notFound

    static func parse(path: String) -> Route {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let first = segments.first else { return .notFound }
        switch first.lowercased() {
        case "oauth":
            guard segments.count == 2 else { return .notFound }
            switch segments[1].lowercased() {
            case "authorize": return .oauthAuthorize
            case "token": return .oauthToken
            default: return .notFound
            }
        case "sandbox-app":
            return .appHandler
        case "rest":
            var rest = segments.dropFirst()
            var api = 2
            if rest.count >= 2, rest.first?.lowercased() == "api" {
                api = 3
                rest = rest.dropFirst()
            }
            switch rest.count {
            case 1:
                return .call(CallRoute(api: api, webhook: nil, rawMethod: String(rest[rest.startIndex])))
            case 3:
                let user = rest[rest.startIndex]
                let code = rest[rest.index(after: rest.startIndex)]
                return .call(CallRoute(api: api, webhook: (Int(user) ?? -1, String(code)),
                                       rawMethod: String(rest[rest.index(rest.startIndex, offsetBy: 2)])))
            case 2:
                // `/rest/{user}/{code}/` with no method.
                return .call(CallRoute(api: api, webhook: (Int(rest.first!) ?? -1, String(rest.last!)), rawMethod: ""))
            default:
                return .notFound
            }
        default:
            return .notFound
        }
    }
}

/// A REST call's address: API version, webhook credentials if any, method name and output format.
struct CallRoute: Equatable {
    var api: Int
    var webhookUser: Int?
    var webhookCode: String?
    /// Lowercased, without `.json`/`.xml`.
    var method: String
    /// The method as written (for messages).
    var rawMethod: String
    var xml: Bool

    init(api: Int, webhook: (Int, String)?, rawMethod: String) {
        self.api = api
        self.webhookUser = webhook?.0
        self.webhookCode = webhook?.1
        var name = rawMethod
        var xml = false
        let lower = name.lowercased()
        if lower.hasSuffix(".json") { name.removeLast(5) }
        else if lower.hasSuffix(".xml") { name.removeLast(4); xml = true }
        self.rawMethod = name
        self.method = name.lowercased()
        self.xml = xml
    }
}
