import Foundation

/// A seedable, splittable pseudo-random generator: xoshiro256** (Blackman & Vigna 2018).
///
/// Why xoshiro256**: 256 bits of state, period 2²⁵⁶ − 1, passes BigCrush, and a few integer
/// operations per draw — much cheaper than PCG64's 128-bit multiply. Integer-only, so the same
/// seed gives bit-identical integers on every machine.
///
/// **Streams.** `RandomStream(seed:stream:)` derives an independent generator from an experiment
/// seed and a stream id (e.g. a hash of a configuration's identity and its replicate): the pair is
/// mixed by SplitMix64 into the 256-bit state, so nearby ids give unrelated states. `split(_:)`
/// derives a child stream from the current one's identity, never from how many numbers were drawn,
/// so results do not depend on execution order or thread count.
///
/// **Distributions.** `uniform()` is in [0, 1) with 53 random bits; `normal()` is the Box–Muller
/// transform (both values of a pair are used). Normals use `log`, `sqrt`, `cos`, `sin` from the
/// platform libm: bit-identical across machines with the same libm (glibc here).
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64
    /// The (seed, stream) this generator was derived from; `split` derives children from it.
    public let seed: UInt64
    public let stream: UInt64
    private var spareNormal: Double? = nil

    /// The generator for stream `stream` of experiment seed `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        var sm = SplitMix64(state: seed ^ RandomStream.mix(stream &+ 0x6A09_E667_F3BC_C909))
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 } // the all-zero state is the one fixed point
    }

    /// A generator with the given raw xoshiro state (for checking against reference vectors).
    init(rawState: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = rawState
        seed = 0
        stream = 0
    }

    /// A child stream identified by `id`, independent of this stream and of its other children.
    /// Depends only on (seed, stream, id), not on how many values this stream has produced.
    public func split(_ id: UInt64) -> RandomStream {
        RandomStream(seed: seed, stream: RandomStream.mix(stream ^ RandomStream.mix(id &+ 0xBB67_AE85_84CA_A73B)))
    }

    /// A child stream identified by a string (e.g. "init.weight_hh"), hashed with FNV-1a 64
    /// (stable across processes, unlike Swift's `Hasher`).
    public func split(_ name: String) -> RandomStream { split(RandomStream.stableHash(name)) }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Standard normal N(0, 1) by Box–Muller; both values of each pair are used, in order.
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        // u1 in (0, 1] so log(u1) is finite.
        let u1 = 1.0 - uniform(), u2 = uniform()
        let r = (-2.0 * Foundation.log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        spareNormal = r * Foundation.sin(theta)
        return r * Foundation.cos(theta)
    }

    /// N(mean, std²).
    public mutating func normal(mean: Double, std: Double) -> Double { mean + std * normal() }

    /// `count` draws of N(mean, std²).
    public mutating func normals(_ count: Int, mean: Double = 0, std: Double = 1) -> [Double] {
        (0..<count).map { _ in normal(mean: mean, std: std) }
    }

    /// `count` draws of U[a, b).
    public mutating func uniforms(_ count: Int, _ a: Double = 0, _ b: Double = 1) -> [Double] {
        (0..<count).map { _ in uniform(a, b) }
    }

    /// A rows×cols matrix of N(mean, std²) draws, filled row by row.
    public mutating func normalMatrix(rows: Int, cols: Int, mean: Double = 0, std: Double = 1) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        m.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = normal(mean: mean, std: std) } }
        return m
    }

    /// A rows×cols matrix of U[a, b) draws, filled row by row.
    public mutating func uniformMatrix(rows: Int, cols: Int, _ a: Double, _ b: Double) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        m.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = uniform(a, b) } }
        return m
    }

    /// A uniformly random integer in 0..<n (Lemire's method via the standard library).
    public mutating func integer(below n: Int) -> Int { Int.random(in: 0..<n, using: &self) }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a 64 of the UTF-8 bytes, then mixed: a stable string hash for stream ids.
    public static func stableHash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return mix(h)
    }
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

/// SplitMix64 (Steele, Lea & Flood 2014), used only to expand a seed into xoshiro state.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
