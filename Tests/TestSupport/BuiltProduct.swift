import Foundation

/// The products of this package's build, for tests that run them as a person would.
public enum BuiltProduct {
    /// The built `b24` next to the test bundle (`.build/<config>/`).
    public static var b24: URL { executable(named: "b24") }

    /// An executable product next to the test bundle: looked for in the bundle's own folder and up to three above
    /// it, then beside every loaded bundle; `.build/debug/NAME` when none is found.
    public static func executable(named name: String) -> URL {
        var directory = Bundle.main.bundleURL
        for _ in 0 ..< 4 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        for bundle in Bundle.allBundles {
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: ".build/debug/\(name)")
    }
}
