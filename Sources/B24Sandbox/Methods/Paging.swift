import B24Wire

/// v2 list paging (PROTOCOL §2.4): pages of 50, `start` offset, `next` only when more exists, `start=-1` skips
/// the count (total 0, no next).
enum Paging {
    static let pageSize = 50
    /// Offsets beyond this are treated as "past the end": it keeps `start + 50` far from overflowing.
    static let maximumStart = 1 << 40

    static func start(_ env: CallEnv) -> Int {
        guard let value = env.param("start") else { return 0 }
        let number = Int(value.intValue ?? 0)
        return number < 0 ? -1 : min(number, maximumStart)
    }

    /// Pages a fully known list.
    static func page(_ items: [JSONValue], start: Int) -> MethodOutput {
        if start < 0 { return MethodOutput(.array(Array(items.prefix(pageSize))), total: 0, scanned: 0) }
        let slice = start < items.count ? Array(items[start..<min(items.count, start + pageSize)]) : []
        let next = start + pageSize < items.count ? start + pageSize : nil
        return MethodOutput(.array(slice), total: items.count, next: next, scanned: items.count + start)
    }
}
