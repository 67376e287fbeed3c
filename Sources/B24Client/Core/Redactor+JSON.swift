import B24Wire

extension Redactor {
    /// Members whose whole value is a credential, masked whatever they hold.
    static let credentialMembers: Set<String> = ["auth", "access_token", "refresh_token", "client_secret"]

    /// A JSON value (request parameters, a response) with every known secret and webhook code masked in its
    /// strings, and token-bearing members (`auth`, `access_token`, …) masked whole. The one place JSON is masked:
    /// traces, call events, stored responses and idempotent replays all go through it.
    public func redact(json value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let items): return .array(items.map { redact(json: $0) })
        case .object(let object):
            var copy = JSONObject()
            for (key, item) in object {
                copy[key] = Self.credentialMembers.contains(key.lowercased()) ? .string("****") : redact(json: item)
            }
            return .object(copy)
        default: return value
        }
    }
}
