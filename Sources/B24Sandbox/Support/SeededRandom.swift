/// SplitMix64: a tiny, fast, deterministic generator. Everything the sandbox invents (codes, demo data, fault
/// rolls) comes from one of these seeded from `SandboxOptions.seed`, so runs are repeatable.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stateless hash of several numbers, for lazily generated records (record N never depends on record N-1).
    static func mix(_ values: UInt64...) -> UInt64 {
        var generator = SeededRandom(seed: 0x5EED)
        var result: UInt64 = 0
        for value in values {
            generator.state ^= value &* 0xA24B_AED4_963E_E407
            result = generator.next()
        }
        return result
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    /// Lowercase letters and digits, like Bitrix24 tokens and webhook codes.
    mutating func token(length: Int) -> String {
        String((0..<length).map { _ in Self.alphabet[Int(next() % UInt64(Self.alphabet.count))] })
    }

    /// Lowercase hex digits.
    mutating func hex(length: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<length).map { _ in digits[Int(next() & 15)] })
    }

    /// A double in 0..<1.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
