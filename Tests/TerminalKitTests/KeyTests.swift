import Testing
@testable import TerminalKit

@Suite struct KeyTests {
    @Test func parsesKeyNames() {
        #expect(KeyEvent(parsing: "q") == .char("q"))
        #expect(KeyEvent(parsing: "G") == .char("G"))
        #expect(KeyEvent(parsing: "ctrl+x") == .ctrl("x"))
        #expect(KeyEvent(parsing: "Ctrl+X") == .ctrl("x"))
        #expect(KeyEvent(parsing: "c-x") == .ctrl("x"))
        #expect(KeyEvent(parsing: "alt+f") == .alt("f"))
        #expect(KeyEvent(parsing: "enter") == .enter)
        #expect(KeyEvent(parsing: "Return") == .enter)
        #expect(KeyEvent(parsing: "esc") == .escape)
        #expect(KeyEvent(parsing: "shift+tab") == .backTab)
        #expect(KeyEvent(parsing: "pgdn") == .pageDown)
        #expect(KeyEvent(parsing: "PageUp") == .pageUp)
        #expect(KeyEvent(parsing: "f5") == KeyEvent(.function(5)))
        #expect(KeyEvent(parsing: "space") == .char(" "))
        #expect(KeyEvent(parsing: "+") == .char("+"))
        #expect(KeyEvent(parsing: "ctrl++") == .ctrl("+"))
        #expect(KeyEvent(parsing: "-") == .char("-"))
        #expect(KeyEvent(parsing: "shift+g") == .char("G"))
        #expect(KeyEvent(parsing: "ctrl+left") == KeyEvent(.left, modifiers: .control))
        #expect(KeyEvent(parsing: "ж") == .char("ж"))
    }

    @Test func rejectsBadNames() {
        for bad in ["", "ctrl+", "hyper+x", "enterr", "f99", "ctrl+ж", "ctrl+shift+"] {
            #expect(KeyEvent(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func formatsCanonicalNamesThatParseBack() {
        let keys: [KeyEvent] = [.char("q"), .char("G"), .ctrl("x"), .alt("b"), .enter, .escape, .backTab, .pageDown,
                                .pageUp, .home, .end, .delete, .backspace, .tab, KeyEvent(.function(12)), .char(" "),
                                KeyEvent(.right, modifiers: [.control, .shift]), .char("+")]
        for key in keys { #expect(KeyEvent(parsing: key.description) == key, "\(key)") }
        #expect(KeyEvent.ctrl("x").description == "ctrl+x")
        #expect(KeyEvent.backTab.description == "shift+tab")
        #expect(KeyEvent.pageDown.description == "pgdn")
    }

    @Test func typedCharacterOnlyForPlainCharacters() {
        #expect(KeyEvent.char("ж").typedCharacter == "ж")
        #expect(KeyEvent.ctrl("a").typedCharacter == nil)
        #expect(KeyEvent.enter.typedCharacter == nil)
    }
}

@Suite struct KeymapTests {
    @Test func defaultKeymapLeavesMultiplexerKeysFree() {
        for key in Keymap.reservedKeys { #expect(Keymap.navigation.action(for: key) == nil, "\(key)") }
        #expect(Keymap.navigation.action(for: .ctrl("j")) == nil)
        #expect(Keymap.navigation.action(for: .ctrl("s")) == nil)
        #expect(Keymap.navigation.action(for: .ctrl("o")) == nil)
    }

    @Test func defaultKeymapHasVimKeysAndArrows() {
        let k = Keymap.navigation
        #expect(k.action(for: .char("j")) == "down")
        #expect(k.action(for: .down) == "down")
        #expect(k.action(for: .char("k")) == "up")
        #expect(k.action(for: .char("h")) == "left")
        #expect(k.action(for: .char("l")) == "right")
        #expect(k.action(for: .char("g")) == "top")
        #expect(k.action(for: .char("G")) == "bottom")
        #expect(k.action(for: .pageDown) == "page-down")
    }

    @Test func mergeFromTOMLReplacesAnActionsKeys() throws {
        let toml = """
        [keys]
        quit = ["ctrl+q", "Q"]
        search = "ctrl+f"
        """
        let known = Set(Keymap.navigation.actions)
        let k = try Keymap.navigation.merging(toml: toml, file: "keys.toml", knownActions: known)
        #expect(k.action(for: .ctrl("q")) == "quit")
        #expect(k.action(for: .char("Q")) == "quit")
        #expect(k.action(for: .char("q")) == nil)
        #expect(k.action(for: .ctrl("f")) == "search")
        #expect(k.action(for: .char("/")) == nil)
        #expect(k.action(for: .char("j")) == "down")  // untouched
    }

    @Test func aKeyMovesToTheActionThatClaimsIt() throws {
        let k = try Keymap.navigation.merging(toml: "[keys]\nsearch = [\"j\"]\n", file: "k.toml")
        #expect(k.action(for: .char("j")) == "search")
        #expect(k.keys(for: "down") == [.down])
    }

    @Test func unknownActionNamesTheKey() {
        let toml = "[keys]\nquitt = \"q\"\n"
        #expect {
            try Keymap.navigation.merging(toml: toml, file: "config.toml", knownActions: Set(Keymap.navigation.actions))
        } throws: { error in
            let e = error as? ConfigFileError
            return e?.key == "keys.quitt" && e?.problem == .unknownAction("quitt")
                && e?.description.hasPrefix("config.toml: key \"keys.quitt\": unknown action") == true
        }
    }

    @Test func badKeyNameNamesTheKeyAndValue() {
        #expect {
            try Keymap.navigation.merging(toml: "[keys]\nquit = [\"q\", \"ctrl+\"]\n", file: "config.toml")
        } throws: { error in
            let e = error as? ConfigFileError
            return e?.key == "keys.quit" && e?.problem == .badKeyName("ctrl+")
                && e?.description.contains("config.toml: key \"keys.quit\": bad key name \"ctrl+\"") == true
        }
    }

    @Test func syntaxErrorNamesFileAndLine() {
        #expect {
            try Keymap.navigation.merging(toml: "[keys]\nquit = [\n", file: "bad.toml")
        } throws: { error in
            guard let e = error as? ConfigFileError, case .syntax(let line, _, _) = e.problem else { return false }
            return e.file == "bad.toml" && line >= 2
        }
    }

    @Test func customSectionAndRoundTrip() throws {
        let k = try Keymap().merging(toml: "[keys.catalog]\nopen = \"enter\"\n", section: "keys.catalog", file: "c.toml")
        #expect(k.action(for: .enter) == "open")
        let again = try Keymap().merging(toml: Keymap.navigation.tomlSection(), file: "x.toml")
        #expect(again.bindings == Keymap.navigation.bindings)
    }

    @Test func helpListsKeysPerAction() {
        let help = Keymap.navigation.help(Keymap.navigationDescriptions)
        #expect(help.first == HelpEntry(keys: "k, up", description: "move up"))
        #expect(help.contains(HelpEntry(keys: "q, ctrl+c", description: "quit")))
        #expect(Keymap.navigation.help([("nothing", "unbound")]).isEmpty)
    }
}
