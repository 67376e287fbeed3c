import Testing
import TerminalKit
@testable import NcursesTerminal

@Suite struct NcursesTerminalTests {
    @Test func missingTermSaysWhatToDo() {
        #expect {
            try NcursesBackend(environment: [:])
        } throws: { error in
            "\(error)" == "TERM is not set; run b24 inside a terminal or set TERM=xterm-256color"
        }
    }

    @Test func unknownTermIsATypedErrorNotAnExit() {
        #expect(throws: NcursesError.unknownTerminal("no-such-terminal-b24")) {
            try NcursesBackend(environment: ["TERM": "no-such-terminal-b24"])
        }
    }

    @Test func termWithoutCursorAddressingIsRefused() {
        #expect(throws: NcursesError.terminalCannotAddressCursor("dumb")) {
            try NcursesBackend(environment: ["TERM": "dumb"])
        }
        #expect("\(NcursesError.terminalCannotAddressCursor("dumb"))".hasPrefix("TERM=dumb cannot move the cursor"))
    }

    /// Swift Testing runs tests in parallel; terminfo loading is not reentrant, so start-ups must queue.
    @Test func concurrentStartupsFailCleanly() async {
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for _ in 0..<20 {
                        // Only entries that fail before the tty check: run from a terminal, a usable TERM
                        // would really take it over.
                        let term = worker.isMultiple(of: 2) ? "dumb" : "no-such-terminal-b24"
                        #expect(throws: NcursesError.self) { try NcursesBackend(environment: ["TERM": term]) }
                    }
                }
            }
        }
    }

    @Test func controlCharactersDecode() {
        #expect(NcursesKeys.decode(character: 13) == .enter)
        #expect(NcursesKeys.decode(character: 9) == .tab)
        #expect(NcursesKeys.decode(character: 127) == .backspace)
        #expect(NcursesKeys.decode(character: 3) == .ctrl("c"))
        #expect(NcursesKeys.decode(character: 0x416) == .char("Ж"))
        #expect(NcursesKeys.decode(character: 0x4F60) == .char("你"))
    }

    @Test func functionKeyCodesDecode() {
        #expect(NcursesKeys.decode(code: 0o410 + 5) == KeyEvent(.function(5)))  // KEY_F(5)
        #expect(NcursesKeys.decode(code: 0o632) == .resize)  // KEY_RESIZE
        #expect(NcursesKeys.decode(code: 0o541) == .backTab)  // KEY_BTAB
        #expect(NcursesKeys.decode(code: 0o522) == .pageDown)  // KEY_NPAGE
    }

    @Test func colourNumbersFollowTheDepth() {
        let p8 = ColorPairs(depth: .ansi8, maxPairs: 64)
        #expect(p8.number(.default) == -1)
        #expect(p8.number(.brightRed) == 1)
        #expect(p8.number(.indexed(196)) == 1)
        let p256 = ColorPairs(depth: .indexed256, maxPairs: 256)
        #expect(p256.number(.rgb(0xff, 0x5f, 0x5f)) == 203)
        let direct = ColorPairs(depth: .trueColor, maxPairs: 256)
        #expect(direct.number(.rgb(1, 2, 3)) == 0x010203)
    }
}
