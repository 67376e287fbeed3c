import B24Catalog
import B24Wire

/// A call made in a form, ready to send: the parameters, the API version, and, for a write, the confirmation
/// the review gave (with a fresh idempotency key, so each confirmed send is a new write).
public struct CallDraft: Hashable, Sendable {
    public var method: String
    public var params: JSONValue
    public var apiVersion: APIVersion
    /// Set by the review of a write: the call goes out with `confirmWrite` (or `confirmDestructive`).
    public var confirmed: RiskClass?
    public var idempotencyKey: String?
    /// Set when the call is a step of a chain run: history groups it, and the run hears how it ended.
    public var chainStep: ChainStepRef?

    public init(method: String, params: JSONValue, apiVersion: APIVersion = .v2, confirmed: RiskClass? = nil,
                idempotencyKey: String? = nil)
    {
        self.method = method
        self.params = params
        self.apiVersion = apiVersion
        self.confirmed = confirmed
        self.idempotencyKey = idempotencyKey
    }
}

/// What a form starts from: a method, and optionally parameters (a call from history, `:call METHOD {JSON}`)
/// and an API version.
public struct FormSeed: Hashable, Sendable {
    public var method: String
    public var params: JSONValue?
    public var apiVersion: APIVersion?
    /// Where a left form's values are kept: one per method and API version.
    public static func draftKey(_ method: String, _ version: APIVersion) -> String { "\(method.lowercased())@\(version)" }

    /// Open with the write's review shown (a write sent again from the inspector or history).
    public var review: Bool
    /// Set when the form is a step of a chain run.
    public var chainStep: ChainStepRef?

    public init(method: String, params: JSONValue? = nil, apiVersion: APIVersion? = nil, review: Bool = false) {
        self.method = method
        self.params = params
        self.apiVersion = apiVersion
        self.review = review
    }
}
