import Foundation

/// Time helpers: unix time and ISO 8601 text with an offset, formatted by hand because it runs on every request.
enum PortalClock {
    /// Seconds since 1970 as a double (the `time.start` format).
    static func now() -> Double { Date().timeIntervalSince1970 }

    /// `2024-08-05T09:02:13+00:00` for a unix time (UTC; the sandbox portal lives in UTC).
    static func iso(_ unix: Double) -> String {
        let seconds = Int64(unix.rounded(.down))
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        var text = ""
        text.reserveCapacity(25)
        text += pad(year, 4); text += "-"; text += pad(month, 2); text += "-"; text += pad(day, 2)
        text += "T"; text += pad(rest / 3600, 2); text += ":"; text += pad(rest / 60 % 60, 2); text += ":"
        text += pad(rest % 60, 2); text += "+00:00"
        return text
    }

    /// `2024-07-23 08:08:50`, the format of some legacy user fields.
    static func plain(_ unix: Double) -> String {
        let iso = iso(unix)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8))
    }

    /// `24.08.2023 13:19:39`, the site-format date of `TIMESTAMP_X` in user objects.
    static func siteFormat(_ unix: Double) -> String {
        let iso = iso(unix)
        let date = iso.prefix(10).split(separator: "-")
        return "\(date[2]).\(date[1]).\(date[0]) " + String(iso.dropFirst(11).prefix(8))
    }

    /// Parses `YYYY-MM-DD[THH:MM:SS[+HH:MM]]` (and a space instead of T) into unix seconds; nil if not a date.
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2) else { return nil }
        var seconds = days(fromCivil: year, month, day) * 86_400
        if bytes.count >= 19, let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) {
            seconds += hour * 3600 + minute * 60 + second
            if bytes.count >= 25, bytes[19] == 43 || bytes[19] == 45, let oh = number(20, 2), let om = number(23, 2) {
                let offset = oh * 3600 + om * 60
                seconds += bytes[19] == 43 ? -offset : offset
            }
        }
        return Double(seconds)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // Howard Hinnant's civil calendar algorithms.
    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    private static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
