import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The profile file: every saved profile, and which one is the default.
public struct ProfileFile: Codable, Sendable, Equatable {
    public var format = 1
    public var defaultProfile: String?
    public var profiles: [String: Profile] = [:]

    public init() {}
}

/// Reads and writes profiles under `$XDG_CONFIG_HOME/b24/profiles.json` (mode 0600, written atomically).
///
/// A profile file that group or others can read is refused: it holds webhook codes and tokens.
public final class AuthStore: @unchecked Sendable {
    public let paths: B24Paths
    private let lock: FileLock

    public init(paths: B24Paths) {
        self.paths = paths
        lock = FileLock(path: paths.configDirectory.appendingPathComponent(".profiles.lock"))
    }

    /// The saved profiles; an absent file reads as empty.
    public func load() throws -> ProfileFile {
        let url = paths.profilesFile
        var info = stat()
        guard stat(url.path, &info) == 0 else { return ProfileFile() }
        if info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw B24Error.usage(
                "refusing to read \(url.path): it is readable by group or others (mode \(mode)) and holds secrets; fix it with: chmod 600 \(url.path)")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw B24Error.usage("cannot read \(url.path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder.b24.decode(ProfileFile.self, from: data)
        } catch {
            throw B24Error.usage("\(url.path) is not a valid b24 profile file (\(Self.describe(error))); fix or remove it")
        }
    }

    /// Applies `change` to the profile file under the cross-process lock and writes it back atomically.
    @discardableResult
    public func update<T>(_ change: (inout ProfileFile) throws -> T) throws -> T {
        try lock.withLock {
            var file = try load()
            let result = try change(&file)
            let data = try JSONEncoder.b24.encode(file)
            try writeFileAtomically(data, to: paths.profilesFile, permissions: 0o600)
            return result
        }
    }

    /// Adds (or replaces, when `replace` is set) a profile; the first profile becomes the default.
    public func add(_ profile: Profile, replace: Bool = false, makeDefault: Bool = false) throws {
        try Self.validateName(profile.name)
        try update { file in
            if file.profiles[profile.name] != nil, !replace {
                throw B24Error.usage("profile '\(profile.name)' exists; remove it first or pass --replace")
            }
            file.profiles[profile.name] = profile
            if makeDefault || file.defaultProfile == nil || file.profiles[file.defaultProfile!] == nil {
                file.defaultProfile = profile.name
            }
        }
    }

    /// Removes a profile. When it was the default, no profile is the default afterwards (no other one is picked
    /// silently: the next call could reach another portal); the result says whether that happened.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        try update { file in
            guard file.profiles.removeValue(forKey: name) != nil else { throw unknownProfile(name, in: file) }
            guard file.defaultProfile == name else { return false }
            file.defaultProfile = nil
            return true
        }
    }

    /// Makes a profile the default.
    public func use(_ name: String) throws {
        try update { file in
            guard file.profiles[name] != nil else { throw unknownProfile(name, in: file) }
            file.defaultProfile = name
        }
    }

    /// A saved profile by name.
    public func profile(named name: String) throws -> Profile {
        let file = try load()
        guard let profile = file.profiles[name] else { throw unknownProfile(name, in: file) }
        return profile
    }

    /// Replaces the OAuth part of a saved profile (after login or a token refresh).
    public func storeOAuth(_ oauth: OAuthAuth, profile name: String) throws {
        try update { file in
            guard var profile = file.profiles[name] else { throw unknownProfile(name, in: file) }
            profile.auth = .oauth(oauth)
            file.profiles[name] = profile
        }
    }

    func unknownProfile(_ name: String, in file: ProfileFile) -> B24Error {
        let known = file.profiles.keys.sorted()
        return .usage("no profile named '\(name)'" + (known.isEmpty ? " (no profiles saved; add one with `b24 profile add`)" : " (known: \(known.joined(separator: ", ")))"))
    }

    static func validateName(_ name: String) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy(allowed.contains), name != "env" else {
            throw B24Error.usage("profile name '\(name)' is not allowed: use letters, digits, '-', '_' or '.' (and not 'env')")
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

extension JSONEncoder {
    /// The encoder for b24's own files: sorted keys, ISO dates, readable.
    static var b24: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    /// The decoder for b24's own files.
    static var b24: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
