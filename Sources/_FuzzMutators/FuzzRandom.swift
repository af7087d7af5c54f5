/// SplitMix64: the fuzz suite's only source of randomness, so a (seed, format, case) triple names one
/// file on every platform and every run (Swift's `random(in:)` algorithms and `Hasher` seeds are not
/// promised to stay fixed, so neither is used).
public struct FuzzRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The stream of case `index` of `format` under the run's `seed`.
    public init(seed: UInt64, format: FuzzFormat, index: Int) {
        var s = FuzzRandom(seed: seed ^ FuzzRandom.fnv1a(format.rawValue))
        s.state ^= UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        _ = s.next()
        self = s
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (n > 0; the modulo bias is irrelevant here).
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability p.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A size spread over orders of magnitude: 10^(a…b), log-uniform.
    public mutating func magnitude(_ exponents: ClosedRange<Int>) -> Int {
        let e = int(exponents)
        var p = 1
        for _ in 0..<e { p *= 10 }
        return p + below(p * 9)
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
