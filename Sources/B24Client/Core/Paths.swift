import Foundation

/// Where b24 keeps its files, following the XDG base directory rules.
///
/// Profiles and secrets live under `$XDG_CONFIG_HOME/b24/` (default `~/.config/b24/`); history, plans,
/// idempotency keys, the audit log and limiter state under `$XDG_STATE_HOME/b24/` (default `~/.local/state/b24/`).
public struct B24Paths: Sendable, Equatable {
    public var configDirectory: URL
    public var stateDirectory: URL

    public init(configDirectory: URL, stateDirectory: URL) {
        self.configDirectory = configDirectory
        self.stateDirectory = stateDirectory
    }

    /// Paths from the environment (`XDG_CONFIG_HOME`, `XDG_STATE_HOME`, `HOME`).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> B24Paths {
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? home.appendingPathComponent(".config")
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? home.appendingPathComponent(".local/state")
        return B24Paths(
            configDirectory: config.appendingPathComponent("b24"),
            stateDirectory: state.appendingPathComponent("b24")
        )
    }

    /// The profile file (mode 0600).
    public var profilesFile: URL { configDirectory.appendingPathComponent("profiles.json") }
    /// Lock files that serialize token refreshes across processes.
    public var locksDirectory: URL { stateDirectory.appendingPathComponent("locks") }
    /// The SQLite database with history, plans and idempotency keys.
    public var databaseFile: URL { stateDirectory.appendingPathComponent("b24.sqlite") }
    /// One JSON line per call, for the seed's tools.
    public var auditFile: URL { stateDirectory.appendingPathComponent("audit.jsonl") }
    /// Shared leaky-bucket state, one file per portal.
    public var limiterDirectory: URL { stateDirectory.appendingPathComponent("limiter") }

    /// Creates a directory (and parents) readable by the owner only.
    public static func ensurePrivateDirectory(_ url: URL) throws {
        // Nearly always the directory is there already, and one stat is far cheaper than FileManager's
        // creation path (this runs several times in every call: locks, limiter state, audit, history).
        var status = stat()
        if stat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return }
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
