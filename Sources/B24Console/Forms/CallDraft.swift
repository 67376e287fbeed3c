import B24Catalog
import B24Wire

/// A read made in a form, ready to send: the parameters and the API version. (A write never travels as a draft:
/// it goes through its ``DiffReview``.)
public struct CallDraft: Hashable, Sendable {
    public var method: String
    public var params: JSONValue
    public var apiVersion: APIVersion
    /// Set when the call is a step of a chain run: history groups it, and the run hears how it ended.
    public var chainStep: ChainStepRef?

    public init(method: String, params: JSONValue, apiVersion: APIVersion = .v2) {
        self.method = method
        self.params = params
        self.apiVersion = apiVersion
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
