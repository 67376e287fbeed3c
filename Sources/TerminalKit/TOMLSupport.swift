import TOMLKit

/// Parses TOML text, turning TOMLKit's parse error into a `ConfigFileError` naming the file.
func parseTOML(_ text: String, file: String) throws -> TOMLTable {
    do {
        return try TOMLTable(string: text)
    } catch let error as TOMLParseError {
        throw ConfigFileError(file: file, key: nil, problem: .syntax(
            line: error.source.begin.line, column: error.source.begin.column, message: error.description))
    }
}

/// Looks up a dotted path of tables ("keys.catalog"); nil when any part is missing.
func subtable(_ table: TOMLTable, path: String, file: String) throws -> TOMLTable? {
    var current = table
    var walked: [String] = []
    for part in path.split(separator: ".").map(String.init) {
        walked.append(part)
        guard let value = current[part] else { return nil }
        guard let next = value.table else {
            throw ConfigFileError(file: file, key: walked.joined(separator: "."), problem: .wrongType(expected: "a table"))
        }
        current = next
    }
    return current
}
