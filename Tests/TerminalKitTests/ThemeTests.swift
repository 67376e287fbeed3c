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

    @Test func theAppNamesTheConfigDirectoryAndNoColorComesFromTheEnvironment() {
        let store = ThemeStore(configDirectory: "/x/someapp", environment: ["XDG_CONFIG_HOME": "/elsewhere", "NO_COLOR": "1"])
        #expect(store.userDirectory == "/x/someapp/themes")
        #expect(store.noColor)
        #expect(ThemeStore(configDirectory: nil, environment: ["HOME": "/h"]).userDirectory == nil)
        #expect(!ThemeStore(configDirectory: "/c", environment: ["NO_COLOR": ""]).noColor)
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

    /// Hue family 0…5 (red, yellow, green, cyan, blue, magenta) of a clearly saturated colour; nil for greys.
    /// Computed here independently of the library so the test does not trust the code it checks.
    static func hueFamily(_ color: Color) -> Int? {
        let rgb: (Int, Int, Int)
        switch color {
        case .default: return nil
        case .rgb(let r, let g, let b): rgb = (Int(r), Int(g), Int(b))
        case .ansi(let n), .indexed(let n):
            let ansi = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
                        (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
                        (255, 0, 255), (0, 255, 255), (255, 255, 255)]
            let levels = [0, 95, 135, 175, 215, 255]
            let i = Int(n)
            if i < 16 { rgb = ansi[i] } else if i >= 232 { let v = 8 + (i - 232) * 10; rgb = (v, v, v) } else {
                rgb = (levels[(i - 16) / 36], levels[(i - 16) / 6 % 6], levels[(i - 16) % 6])
            }
        }
        let hi = max(rgb.0, rgb.1, rgb.2), lo = min(rgb.0, rgb.1, rgb.2), c = Double(hi - lo)
        guard hi - lo >= 40, (hi - lo) * 10 >= hi * 3 else { return nil }
        let (r, g, b) = (Double(rgb.0), Double(rgb.1), Double(rgb.2))
        var h = hi == rgb.0 ? (g - b) / c : hi == rgb.1 ? (b - r) / c + 2 : (r - g) / c + 4
        h = (h * 60 + 360).truncatingRemainder(dividingBy: 360)
        return Int((h + 30) / 60) % 6
    }

    @Test(arguments: [ColorDepth.ansi8, .ansi16])
    func bundledThemesKeepHuesAt16And8Colours(depth: ColorDepth) throws {
        let store = ThemeStore(userDirectory: nil)
        for name in ThemeStore.builtInNames where name != "mono" {
            let full = try store.load(name), low = full.downgraded(to: depth)
            let risks: [ThemeRole] = [.riskRead, .riskWrite, .riskDestructive]
            #expect(Set(risks.map { low[$0].foreground.name + "/" + low[$0].background.name }).count == 3, "\(name) at \(depth): risk badges collide")
            for role in ThemeRole.allCases {
                let fg = full[role].foreground, bg = full[role].background
                // A saturated colour keeps its hue family: never black, white or grey.
                for (source, result) in [(fg, low[role].foreground), (bg, low[role].background)] {
                    if let family = Self.hueFamily(source) {
                        let got = Self.hueFamily(result)
                        #expect(got != nil, "\(name).\(role) at \(depth): \(source.name) became grey \(result.name)")
                        // 210° sky blue may go either way between cyan and blue.
                        if let got { #expect(got == family || (family == 4 && got == 3), "\(name).\(role): \(source.name) → \(result.name)") }
                    }
                }
                // Text on the default background is never black unless the theme asked for black.
                if bg == .default, fg != .black {
                    #expect(low[role].foreground != .black, "\(name).\(role) at \(depth) is black")
                }
                if depth == .ansi8, case .ansi(let n) = low[role].foreground { #expect(n < 8) }
            }
            // Foreground roles of different hue stay different.
            for a in ThemeRole.allCases {
                for b in ThemeRole.allCases where a.rawValue < b.rawValue {
                    guard full[a].background == .default, full[b].background == .default,
                          let fa = Self.hueFamily(full[a].foreground) else { continue }
                    let fb = Self.hueFamily(full[b].foreground)
                    if fb != fa {
                        #expect(low[a].foreground != low[b].foreground,
                                "\(name): \(a) and \(b) both \(low[a].foreground.name) at \(depth)")
                    }
                }
            }
        }
    }

    @Test func greysStayVisibleAt8And16Colours() {
        let muted = Style(fg: .indexed(245))
        #expect(muted.downgraded(to: .ansi16).foreground == .brightBlack)
        #expect(muted.downgraded(to: .ansi8) == Style(fg: .default, [.dim]))
        #expect(Style(fg: .brightBlack).downgraded(to: .ansi8).foreground != .black)
        #expect(Color.brightBlack.downgraded(to: .ansi8) == .white)
        #expect(Color.indexed(252).downgraded(to: .ansi8) == .white)
        // Explicit black (e.g. the light theme's header) stays black.
        #expect(Style(fg: .black).downgraded(to: .ansi8).foreground == .black)
        #expect(Color.rgb(0x5f, 0xd7, 0x5f).downgraded(to: .ansi16) == .green)
        #expect(Color.rgb(0xd7, 0x87, 0xff).downgraded(to: .ansi16) == .brightMagenta)
        #expect(Color.rgb(0xaf, 0x5f, 0x00).downgraded(to: .ansi16) == .yellow)
        #expect(Color.rgb(0x00, 0x5f, 0x87).downgraded(to: .ansi16) == .cyan)
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
