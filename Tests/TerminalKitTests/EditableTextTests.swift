import Foundation
import Testing
@testable import TerminalKit

@Suite struct EditableTextTests {
    @Test func insertMoveAndDeleteWithCyrillic() {
        var t = EditableText("Сделка")
        #expect(t.cursor == 6)
        t.insert(" №42")
        #expect(t.text == "Сделка №42")
        t.moveHome()
        t.moveRight()
        t.deleteBackward()
        #expect(t.text == "делка №42")
        t.insert("Ц")
        #expect(t.text == "Цделка №42")
        #expect(t.cursorColumn == 1)
        t.moveEnd()
        t.deleteWordBackward()
        #expect(t.text == "Цделка ")
    }

    @Test func cjkCursorColumnCountsTwoPerCharacter() {
        var t = EditableText("你好世界")
        t.moveLeft()
        #expect(t.cursor == 3)
        #expect(t.cursorColumn == 6)
        t.deleteForward()
        #expect(t.text == "你好世")
        t.moveHome()
        t.deleteForward()
        #expect(t.text == "好世")
        #expect(t.cursorColumn == 0)
    }

    @Test func combiningSequencesAreOneUnit() {
        var t = EditableText("e\u{301}x")
        t.moveLeft()
        t.deleteBackward()
        #expect(t.text == "x")
    }

    @Test func keysEditAndNonEditingKeysAreRefused() {
        var t = EditableText()
        for key in [KeyEvent.char("日"), .char("本"), .left, .char("x"), .end, .backspace, .ctrl("a"), .delete] {
            do { let handled = t.handle(key); #expect(handled) }
        }
        #expect(t.text == "x")
        do { let handled = t.handle(.enter); #expect(!handled) }
        do { let handled = t.handle(.escape); #expect(!handled) }
        do { let handled = t.handle(.ctrl("g")); #expect(!handled) }
        t.set("one two")
        do { let handled = t.handle(.ctrl("w")); #expect(handled) }
        #expect(t.text == "one ")
        do { let handled = t.handle(.ctrl("u")); #expect(handled) }
        #expect(t.text.isEmpty)
    }

    @Test func boundariesAreSafe() {
        var t = EditableText("")
        t.deleteBackward(); t.deleteForward(); t.moveLeft(); t.moveRight(); t.deleteWordBackward(); t.deleteToEnd()
        #expect(t == EditableText(""))
        t.insert("a\nb\tc")
        #expect(t.text == "abc")
    }
}

@Suite struct VirtualTerminalTests {
    @Test func recordsDrawsAndShowsTheScreen() {
        let vt = VirtualTerminal(size: Size(width: 20, height: 3))
        let presenter = ScreenPresenter(backend: vt)
        var s = Screen(size: vt.size)
        s.put("Лиды 你好", at: .zero)
        presenter.present(s)
        #expect(vt.draws.count == 1)
        #expect(vt.draws[0].isFullRedraw)
        #expect(vt.screen.lines == ["Лиды 你好", "", ""])
        s.put("!", at: Point(column: 0, row: 2))
        let diff = presenter.present(s, cursor: Point(column: 3, row: 1))
        #expect(vt.draws.count == 2)
        #expect(diff.runs == [ScreenDiff.Run(row: 2, column: 0, cells: [Cell("!")])])
        #expect(vt.screen == s)
        #expect(vt.cursorVisible && vt.cursorPosition == Point(column: 3, row: 1))
        presenter.present(s)  // nothing changed: nothing drawn
        #expect(vt.draws.count == 2)
        #expect(!vt.cursorVisible)
    }

    @Test func servesFedKeysInOrderAndResizes() {
        let vt = VirtualTerminal(size: Size(width: 10, height: 2))
        vt.feed(.down, .enter)
        vt.type("ж")
        #expect(vt.readKey(timeout: 0) == .down)
        #expect(vt.readKey(timeout: 0) == .enter)
        #expect(vt.readKey(timeout: 0) == .char("ж"))
        #expect(vt.readKey(timeout: 0) == nil)
        vt.resize(to: Size(width: 30, height: 5))
        #expect(vt.readKey(timeout: 0) == .resize)
        #expect(vt.size == Size(width: 30, height: 5))
        let presenter = ScreenPresenter(backend: vt)
        presenter.present(Screen(size: vt.size))
        #expect(vt.draws.last?.isFullRedraw == true)
        #expect(vt.screen.size == vt.size)
    }
}

@Suite struct TerminalThreadTests {
    @Test func deliversKeysAndDrawsOnItsThread() async throws {
        let vt = VirtualTerminal(size: Size(width: 12, height: 2))
        let thread = TerminalThread(backend: vt)
        var screen = Screen(size: thread.size)
        screen.put("Лиды 你好", at: .zero)
        thread.present(screen)
        thread.perform { backend in (backend as? VirtualTerminal)?.feed(.char("j"), .enter) }
        var received: [KeyEvent] = []
        for await key in thread.keys {
            received.append(key)
            if received.count == 2 { break }
        }
        thread.stop()
        #expect(received == [.char("j"), .enter])
        #expect(vt.screen.text(row: 0) == "Лиды 你好")
        #expect(vt.draws.count == 1)
    }
}

/// A backend whose hand-back is slow, as ncurses' teardown is on a loaded machine.
private final class SlowToCloseTerminal: TerminalBackend, @unchecked Sendable {
    let lock = NSLock()
    private var closed = false
    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }
    let size = Size(width: 10, height: 2)
    let colorDepth = ColorDepth.mono
    func draw(_ diff: ScreenDiff) {}
    func readKey(timeout: Double?) -> KeyEvent? { Thread.sleep(forTimeInterval: 0.005); return nil }
    func setCursor(visible: Bool, at point: Point?) {}
    func suspend() {}
    func restore() {}
    func copyToClipboard(_ text: String) {}
    func shutdown() {
        Thread.sleep(forTimeInterval: 0.2)
        lock.lock(); closed = true; lock.unlock()
    }
}

extension TerminalThreadTests {
    /// The process exits right after `stop()`: the terminal must already be given back by then.
    @Test func stopReturnsOnlyAfterTheTerminalIsGivenBack() {
        let backend = SlowToCloseTerminal()
        let thread = TerminalThread(backend: backend)
        thread.stop()
        #expect(backend.isClosed)
    }
}
