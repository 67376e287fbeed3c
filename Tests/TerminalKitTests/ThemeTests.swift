import Foundation
import Testing
@testable import TerminalKit

@Suite struct ThemeTests {
    static let repoThemes = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

    @Test(arguments: ThemeStore.builtInNames)
    func bundledThemeLoadsWithEveryRole(name: String) throws {
        let theme = try ThemeStore(userDirectory: nil).load(name)
        #expect(theme.name == name)
        // Every role is spelled out in the built-in file (none silently inherited).
        let table = try parseTOML(ThemeStore.builtInSource(name) ?? "", file: name)
        let palette = try #require(try subtable(table, path: "palette", file: name))
        #expect(Set(palette.keys) == Set(ThemeRole.allCases.map(\.rawValue)))
    }

    @Test(arguments: ThemeStore.builtInNames)
    func bundledThemeMatchesTheFileInThemesFolder(name: String) throws {
        let file = try String(contentsOf: Self.repoThemes.appendingPathComponent("\(name).toml"), encoding: .utf8)
        let embedded = try #require(ThemeStore.builtInSource(name))
        #expect(file.trimmingCharacters(in: .whitespacesAndNewlines) == embedded.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func brokenThemeNamesFileAndKey() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/foo.toml"
        try "name = \"foo\"\n[palette]\nerror = \"reddish\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try ThemeStore(userDirectory: dir).load("foo")
        } throws: { error in
            (error as? ConfigFileError)?.description.hasPrefix("\(path): key \"palette.error\": unknown colour \"reddish\"") == true
        }
    }

    @Test func otherThemeErrorsNameTheKey() {
        func error(_ toml: String) -> String? {
            do { _ = try Theme.parse(toml: toml, file: "t.toml", base: nil); return nil } catch { return "\(error)" }
        }
        #expect(error("[palette]\nselction = \"red\"\n")?.hasPrefix("t.toml: key \"palette.selction\": unknown key") == true)
        #expect(error("[palette]\nselection = { fg = \"red\", blink = true }\n")?.hasPrefix("t.toml: key \"palette.selection.blink\": unknown attribute") == true)
        #expect(error("[palette]\nselection = { bg = \"#12345\" }\n")?.hasPrefix("t.toml: key \"palette.selection.bg\": unknown colour \"#12345\"") == true)
        #expect(error("colour = 1\n")?.hasPrefix("t.toml: key \"colour\": unknown key") == true)
        #expect(error("[palette\n")?.hasPrefix("t.toml: line 1") == true)
    }

    @Test func userThemeOverridesBuiltInAndInherits() throws {
        let dir = try temporaryDirectory()
        try "[palette]\nerror = \"bright-magenta\"\n".write(toFile: dir + "/default.toml", atomically: true, encoding: .utf8)
        try "inherits = \"light\"\n[palette]\nbanner = { fg = \"white\", bg = 21 }\n".write(toFile: dir + "/mine.toml", atomically: true, encoding: .utf8)
        let store = ThemeStore(userDirectory: dir)
        let d = try store.load("default")
        #expect(d[.error] == Style(fg: .brightMagenta))
        #expect(d[.selection] == (try ThemeStore(userDirectory: nil).load("default"))[.selection])
        let mine = try store.load("mine")
        #expect(mine.name == "mine")
        #expect(mine[.banner] == Style(fg: .white, bg: .indexed(21)))
        #expect(mine[.selection] == (try store.load("light"))[.selection])
        #expect(store.availableNames().contains("mine"))
    }

    @Test func unknownThemeIsAnError() {
        #expect(throws: ConfigFileError.self) { try ThemeStore(userDirectory: nil).load("nope") }
    }

    @Test func environmentPicksUserDirectoryAndNoColor() {
        let store = ThemeStore(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h", "NO_COLOR": "1"])
        #expect(store.userDirectory == "/x/b24/themes")
        #expect(store.noColor)
        #expect(ThemeStore(environment: ["HOME": "/h", "NO_COLOR": ""]).userDirectory == "/h/.config/b24/themes")
        #expect(!ThemeStore(environment: ["NO_COLOR": ""]).noColor)
    }

    @Test func noColorResolvesToMonoWithoutColours() throws {
        let theme = try ThemeStore(userDirectory: nil, noColor: true).resolve("default", depth: .indexed256)
        #expect(theme.name == "mono")
        for role in ThemeRole.allCases {
            #expect(theme[role].foreground == .default && theme[role].background == .default, "\(role)")
        }
        #expect(theme[.selection].attributes.contains(.reverse))
        #expect(try ThemeStore(userDirectory: nil).resolve("default", depth: .mono).name == "mono")
    }

    @Test func coloursDowngrade256To16To8() {
        #expect(Color.rgb(0xff, 0x5f, 0x5f).downgraded(to: .indexed256) == .indexed(203))
        #expect(Color.indexed(196).downgraded(to: .ansi16) == .brightRed)
        #expect(Color.indexed(196).downgraded(to: .ansi8) == .red)
        #expect(Color.indexed(21).downgraded(to: .ansi16) == .blue)
        #expect(Color.indexed(46).downgraded(to: .ansi16) == .brightGreen)
        #expect(Color.indexed(250).downgraded(to: .ansi16) == .white)
        #expect(Color.indexed(236).downgraded(to: .ansi16) == .black)
        #expect(Color.brightBlue.downgraded(to: .ansi8) == .blue)
        #expect(Color.indexed(9).downgraded(to: .ansi8) == .red)
        #expect(Color.red.downgraded(to: .mono) == .default)
        #expect(Color.default.downgraded(to: .ansi8) == .default)
        #expect(Color.rgb(1, 2, 3).downgraded(to: .trueColor) == .rgb(1, 2, 3))
        let theme = (try? ThemeStore(userDirectory: nil).load("default"))?.downgraded(to: .ansi8)
        for role in ThemeRole.allCases {
            for c in [theme?[role].foreground, theme?[role].background] {
                if case .ansi(let n)? = c { #expect(n < 8) } else { #expect(c == .default) }
            }
        }
    }

    @Test func colourNamesParse() {
        #expect(Color(parsing: "red") == .red)
        #expect(Color(parsing: "bright-blue") == .brightBlue)
        #expect(Color(parsing: "default") == .default)
        #expect(Color(parsing: "208") == .indexed(208))
        #expect(Color(parsing: "#FF8000") == .rgb(255, 128, 0))
        #expect(Color(parsing: "reddish") == nil)
        #expect(Color(parsing: "256") == nil)
        #expect(Color.rgb(255, 128, 0).name == "#ff8000")
    }

    @Test func httpStatusStyles() throws {
        let t = try ThemeStore(userDirectory: nil).load("default")
        #expect(t.httpStatus(204) == t[.http2xx])
        #expect(t.httpStatus(503) == t[.http5xx])
        #expect(t.httpStatus(42) == t[.text])
    }
}

func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "tk-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
