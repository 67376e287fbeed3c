import B24Wire

/// The `time` member of every answer (PROTOCOL §2.2).
struct TimeInfo {
    var start: Double
    var finish: Double
    var processing: Double
    var operating: Double?
    var operatingResetAt: Int?

    func json(includeOperating: Bool = true) -> JSONValue {
        var object: JSONObject = [
            "start": .double(start),
            "finish": .double(finish),
            "duration": .double(max(0, finish - start)),
            "processing": .double(max(0, processing)),
            "date_start": .string(PortalClock.iso(start)),
            "date_finish": .string(PortalClock.iso(finish)),
        ]
        if includeOperating {
            if let operatingResetAt { object["operating_reset_at"] = .int(Int64(operatingResetAt)) }
            if let operating { object["operating"] = .double(operating) }
        }
        return .object(object)
    }
}
