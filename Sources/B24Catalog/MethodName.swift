import B24Wire

/// How a portal reads a method name from a URL: case does not matter, and a trailing `/` and a `.json` or `.xml`
/// format suffix are not part of the name (`crm.lead.delete.json` runs `crm.lead.delete`). Guardrails judge the
/// method the portal will run, so every check goes through `canonical(_:)` first.
public enum MethodName {
    /// The method the portal runs: trimmed, without trailing slashes and without a `.json`/`.xml` suffix.
    /// Case is kept (the catalog and the allow patterns compare without it).
    public static func canonical(_ raw: String) -> String {
        let name = withoutTrailingSlashes(raw)
        guard let suffix = formatSuffix(of: name) else { return String(name) }
        return String(name.dropLast(suffix.count))
    }

    /// Whether the name asks the portal for an XML answer (`batch.xml`).
    public static func asksForXML(_ raw: String) -> Bool {
        formatSuffix(of: withoutTrailingSlashes(raw)) == ".xml"
    }

    private static func withoutTrailingSlashes(_ raw: String) -> Substring {
        var name = Substring(raw.trimmingWhitespace)
        while name.hasSuffix("/") { name = name.dropLast() }
        return name
    }

    private static func formatSuffix(of name: Substring) -> String? {
        let lower = name.lowercased()
        return [".json", ".xml"].first { lower.hasSuffix($0) && lower.count > $0.count }
    }
}
