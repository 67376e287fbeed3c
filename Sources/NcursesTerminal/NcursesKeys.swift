import CNcursesw
import TerminalKit

/// Turns what `wget_wch` returned into key events.
enum NcursesKeys {
    /// A function-key code (`wget_wch` returned KEY_CODE_YES).
    static func decode(code: Int32) -> KeyEvent? {
        switch code {
        case b24_key_resize(): return .resize
        case b24_key_up(): return .up
        case b24_key_down(): return .down
        case b24_key_left(): return .left
        case b24_key_right(): return .right
        case b24_key_home(): return .home
        case b24_key_end(): return .end
        case b24_key_ppage(): return .pageUp
        case b24_key_npage(): return .pageDown
        case b24_key_ic(): return .insert
        case b24_key_dc(): return .delete
        case b24_key_backspace(): return .backspace
        case b24_key_enter(): return .enter
        case b24_key_btab(): return .backTab
        case b24_key_sleft(): return KeyEvent(.left, modifiers: .shift)
        case b24_key_sright(): return KeyEvent(.right, modifiers: .shift)
        case b24_key_f0() + 1 ... b24_key_f0() + 24: return KeyEvent(.function(Int(code - b24_key_f0())))
        default: return decodeExtended(code)
        }
    }

    /// Modified arrows etc. have run-time codes whose terminfo names end in a modifier digit:
    /// "kLFT5" = ctrl+left, "kUP3" = alt+up, "kRIT2" = shift+right (xterm convention).
    static func decodeExtended(_ code: Int32) -> KeyEvent? {
        guard let cName = keyname(code) else { return nil }
        let name = String(cString: cName)
        guard name.hasPrefix("k"), let digit = name.last?.wholeNumberValue else { return nil }
        let base = name.dropFirst().dropLast()
        let key: KeyEvent.Key
        switch base {
        case "LFT": key = .left
        case "RIT": key = .right
        case "UP": key = .up
        case "DN": key = .down
        case "HOM": key = .home
        case "END": key = .end
        case "DC": key = .delete
        case "PRV": key = .pageUp
        case "NXT": key = .pageDown
        default: return nil
        }
        // xterm modifier parameter minus one: bit 0 shift, bit 1 alt, bit 2 ctrl.
        let bits = digit - 1
        var mods: KeyEvent.Modifiers = []
        if bits & 1 != 0 { mods.insert(.shift) }
        if bits & 2 != 0 { mods.insert(.alt) }
        if bits & 4 != 0 { mods.insert(.control) }
        return KeyEvent(key, modifiers: mods)
    }

    /// A character (`wget_wch` returned OK). Esc is handled by the caller (it may start Alt+key).
    static func decode(character value: UInt32) -> KeyEvent? {
        switch value {
        case 13, 10: return .enter  // nonl(): Enter is CR; LF (ctrl+j) is treated the same
        case 9: return .tab
        case 127, 8: return .backspace
        case 0: return .ctrl(" ")
        case 1 ... 26: return .ctrl(Character(Unicode.Scalar(value + 96)!))
        case 28: return .ctrl("\\")
        case 29: return .ctrl("]")
        case 30: return .ctrl("^")
        case 31: return .ctrl("_")
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .char(Character(scalar))
        }
    }
}
