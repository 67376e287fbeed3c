@testable import B24Console
import Foundation
import Testing
import TerminalKit

@Suite("Console keymap, help and production banner")
struct KeymapTests {
    @Test func defaultsLeaveReservedKeysFree() {
        for key in Keymap.reservedKeys { #expect(ConsoleKeymap.defaults.action(for: key) == nil) }
        #expect(ConsoleKeymap.defaults.action(for: .backspace) == "back")
        #expect(ConsoleKeymap.defaults.action(for: .char(":")) == "palette")
        #expect(ConsoleKeymap.defaults.action(for: .char("j")) == "down")
    }

    @Test func configRemapsAndReportsErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b24"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("b24/config.toml")
        try "[keys]\nsearch = [\"/\", \"f\"]\n".write(to: file, atomically: true, encoding: .utf8)
        let (keymap, error) = ConsoleKeymap.load(environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(error == nil)
        #expect(keymap.action(for: .char("f")) == "search")
        try "[keys]\nfly = \"x\"\n".write(to: file, atomically: true, encoding: .utf8)
        let (fallback, problem) = ConsoleKeymap.load(environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(fallback == ConsoleKeymap.defaults)
        #expect(problem == "\(file.path): key \"keys.fly\": unknown action \"fly\"")
    }

    @Test func everyConfigNameIsATypedActionAndEveryActionHasHelp() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-actions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b24"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for action in KeyAction.allCases {
            try "[keys]\n\(action.rawValue) = \"f12\"\n".write(to: dir.appendingPathComponent("b24/config.toml"), atomically: true, encoding: .utf8)
            let (keymap, error) = ConsoleKeymap.load(environment: ["XDG_CONFIG_HOME": dir.path])
            #expect(error == nil, "\(action.rawValue): \(error ?? "")")
            #expect(keymap.keyAction(for: KeyEvent(.function(12))) == action)
            #expect(!action.helpText.isEmpty)
        }
        // The defaults bind only names the enum knows.
        for name in ConsoleKeymap.defaults.bindings.values { #expect(KeyAction(rawValue: name) != nil, "\(name)") }
    }

    @Test func helpIsGeneratedFromTheKeymap() {
        var keymap = ConsoleKeymap.defaults
        keymap.setKeys([.char("x")], for: "quit")
        let lines = HelpScreen.lines(keymap)
        #expect(lines.contains { $0.hasPrefix("x ") && $0.hasSuffix("quit") })
        #expect(lines.contains { $0.contains(":") && $0.hasSuffix("command palette (:packs, :pack NAME, :method NAME, :chains, :call METHOD {JSON}, :history, :profile NAME, :theme NAME, :quit)") })
    }

    @Test func productionBannerOnEveryScreen() {
        let routes: [Route] = [.home, .packs, .pack("core"), .method("crm.lead.list"), .chains(nil), .chain("core.lead-intake"), .search]
        for route in routes {
            var state = Fixture.connected(production: true)
            state.stack.append(state.makePage(route))
            let s = render(state, size: Size(width: 80, height: 24))
            #expect(s.text(row: 1).contains("PRODUCTION"), "\(route)")
        }
    }
}
