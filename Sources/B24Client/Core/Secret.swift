import Foundation

/// A credential (webhook code, access or refresh token, client secret) that must never be shown.
///
/// `description`, `debugDescription` and string interpolation print a mask; only `reveal()` gives the raw
/// text, and it is called at the last moment, when a request goes on the wire or a profile is written to disk.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    private let raw: String

    public init(_ raw: String) { self.raw = raw }

    /// The raw secret. Call only to put it on the wire or into the 0600 profile file.
    public func reveal() -> String { raw }

    /// True when there is nothing stored.
    public var isEmpty: Bool { raw.isEmpty }

    /// A mask that lets people tell two secrets apart without learning either: `****` plus the last 4
    /// characters when the secret is long enough that 4 characters say little about it.
    public var masked: String {
        raw.count >= 16 ? "****" + raw.suffix(4) : "****"
    }

    public var description: String { masked }
    public var debugDescription: String { "Secret(\(masked))" }

    public init(from decoder: Decoder) throws {
        raw = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(raw)
    }
}

/// Replaces every known secret inside free text (URLs, error messages, response bodies) by its mask.
///
/// Webhook codes travel inside the URL path and tokens may be echoed back by proxies, so every string that
/// leaves the client for the screen, a log, the audit file or history goes through a redactor.
public struct Redactor: Sendable {
    private var secrets: [(raw: String, masked: String)] = []

    public init(_ secrets: [Secret] = []) {
        for secret in secrets { add(secret) }
    }

    /// Registers another secret; empty and very short values are ignored (they would mask ordinary text).
    public mutating func add(_ secret: Secret) {
        let raw = secret.reveal()
        guard raw.count >= 6, !secrets.contains(where: { $0.raw == raw }) else { return }
        secrets.append((raw, secret.masked))
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort { $0.raw.count > $1.raw.count }
    }

    /// Webhook codes by position (`/rest/USER/CODE/`, `/rest/api/USER/CODE/`), whatever their length, so that a
    /// code b24 was never told about (a mistyped argument, a redirect target) is masked too.
    private static let webhookPath = try! NSRegularExpression(pattern: "(/rest/(?:api/)?[0-9]+/)[A-Za-z0-9_-]+(/|$)")

    /// The text with every registered secret masked, raw or percent-encoded, and webhook codes masked by position.
    public func redact(_ text: String) -> String {
        var output = Self.maskWebhookPaths(text)
        for secret in secrets {
            if output.contains(secret.raw) {
                output = output.replacingOccurrences(of: secret.raw, with: secret.masked)
            }
            if let encoded = secret.raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics),
               encoded != secret.raw, output.contains(encoded)
            {
                output = output.replacingOccurrences(of: encoded, with: secret.masked)
            }
        }
        return output
    }

    /// Masks the code segment of every webhook URL path in the text.
    public static func maskWebhookPaths(_ text: String) -> String {
        guard text.contains("/rest/") else { return text }
        let range = NSRange(text.startIndex..., in: text)
        return webhookPath.stringByReplacingMatches(in: text, range: range, withTemplate: "$1****$2")
    }
}
