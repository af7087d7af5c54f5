import Foundation
import TensorIO

/// How BPTT keeps what its backward pass needs (chosen by `RecurrentCell.bpttStrategy`).
///
/// - `fullTape`: every step's state, pre-activations and cache (`Unroller`): O(T) memory, one forward.
/// - `checkpointed(interval: K)`: every K-th state only, segments recomputed in the backward pass
///   (`CheckpointedUnroller`): O(T/K + K) memory, one extra forward; same numbers (bit-identical
///   states, ∂L/∂h_t and norms; parameter gradients to rounding, see `CheckpointedUnroller`).
public enum BPTTStrategy: Sendable, Equatable, CustomStringConvertible {
    case fullTape
    case checkpointed(interval: Int)

    /// `full-tape` or `checkpointed`, the word reports and stores use.
    public var name: String {
        switch self {
        case .fullTape: "full-tape"
        case .checkpointed: "checkpointed"
        }
    }

    public var description: String {
        switch self {
        case .fullTape: "full tape"
        case .checkpointed(let k): "checkpointed (a state every \(k) steps, segments recomputed)"
        }
    }

    /// K, the steps between checkpoints; nil for the full tape.
    public var interval: Int? {
        if case .checkpointed(let k) = self { return k }
        return nil
    }

    /// ⌈√T⌉, which balances the checkpoints (T/K states) against the segment (K steps): the least
    /// memory checkpointing can reach.
    public static func defaultInterval(steps t: Int) -> Int {
        var k = Int(Double(max(t, 1)).squareRoot().rounded(.up))
        while k > 1 && (k - 1) * (k - 1) >= t { k -= 1 }
        while k * k < t { k += 1 }
        return k
    }
}

/// A memory budget in bytes for one BPTT tape, written `1GiB`, `512MiB`, `200MB`, `64KiB` or plain bytes.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    public let bytes: Int

    /// 256 MiB: the full tape is kept up to 256 MiB (BPTT's tape: T ≈ 1.1·10⁵ steps of a tanh RNN at
    /// H = 64, B = 1; the diagnostics' trajectory of states: T ≈ 5·10⁵), longer sequences are
    /// checkpointed. Checkpointing costs one extra forward pass, which measured within the machine's
    /// noise of the full tape's time at T = 10⁵ (docs/performance.md), so the default is small enough
    /// that T = 10⁶ at H = 64 stays near 100 MB.
    public static let standard = MemoryBudget(bytes: 256 << 20)

    public init(bytes: Int) { self.bytes = max(bytes, 0) }

    /// Parses `<number>[unit]`, unit one of B, KB (or K), MB (M), GB (G), TB (T) (powers of 1000),
    /// KiB, MiB, GiB, TiB (powers of 1024), case-insensitive; the number may have a fraction (`1.5GiB`).
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
                                         ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("b", 1)]
        var number = Substring(t), scale = 1.0
        for (u, f) in units where t.lowercased().hasSuffix(u) {
            number = t.dropLast(u.count)
            scale = f
            break
        }
        guard let v = Double(number.trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0, v * scale < 9e18 else {
            throw RecurrentError("'\(text)' is not a memory size: expected a number of bytes with an optional unit B, KB, MB, GB, TB (or K, M, G, T), KiB, MiB, GiB or TiB (e.g. 1GiB, 200MB)")
        }
        bytes = Int((v * scale).rounded(.down))
    }

    public var description: String {
        if bytes >= 1 << 30 && bytes % (1 << 20) == 0 { return String(format: "%gGiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 && bytes % 1024 == 0 { return String(format: "%gMiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1_000_000_000 && bytes % 10_000_000 == 0 { return String(format: "%gGB", Double(bytes) / 1e9) }
        if bytes >= 1_000_000 && bytes % 10_000 == 0 { return String(format: "%gMB", Double(bytes) / 1e6) }
        if bytes >= 1024 && bytes % 1024 == 0 { return String(format: "%gKiB", Double(bytes) / 1024) }
        if bytes >= 1000 && bytes % 1000 == 0 { return String(format: "%gkB", Double(bytes) / 1000) }
        return "\(bytes)B"
    }
}

extension RecurrentCell {
    /// Bytes of a full `Unroller` tape for T steps of B sequences: (T+1)·B·S states, T·B·G·H
    /// pre-activations (twice for a GRU, whose ∂L/∂ZH differs from ∂L/∂ZX), T·B·cacheWidth cache and
    /// T·B·S state gradients, 8 bytes each (in Double: no overflow for any T).
    public func tapeBytes(steps t: Int, batch b: Int) -> Double {
        let gh = Double(weights.gateRows), sz = Double(stateSize), tb = Double(t) * Double(b)
        let pre = hiddenPreactivationGradientIsInputGradient ? gh : 2 * gh
        return 8 * ((tb + Double(b)) * sz + tb * (pre + Double(cacheWidth) + sz))
    }

    /// Bytes of a checkpointed sweep: ⌈T/K⌉ + 1 checkpoints (B × S) and a K-step tape.
    public func checkpointedBytes(steps t: Int, batch b: Int, interval k: Int) -> Double {
        let segments = Double((t + k - 1) / max(k, 1))
        return 8 * (segments + 1) * Double(b) * Double(stateSize) + tapeBytes(steps: min(k, t), batch: b)
    }

    /// The full tape when it fits in `budget`, else checkpoints every ⌈√T⌉ steps (the least memory
    /// checkpointing can reach; it is used even when that exceeds the budget too).
    public func bpttStrategy(steps t: Int, batch b: Int, budget: MemoryBudget) -> BPTTStrategy {
        if tapeBytes(steps: t, batch: b) <= Double(budget.bytes) || t < 4 { return .fullTape }
        return .checkpointed(interval: BPTTStrategy.defaultInterval(steps: t))
    }
}

/// What one backward sweep kept under a memory budget: the strategy chosen, the bytes it keeps and
/// what the full tape would have needed (estimates from the array sizes, 8 bytes per Float64). The
/// one line every report prints (`gradlab diagnose`, `gradlab trace`) and the run's columns
/// (`bptt_strategy`, `bptt_interval`, `tape_bytes`, `memory_budget`) come from it.
public struct TapeMemory: Sendable, Equatable {
    public let strategy: BPTTStrategy
    /// Bytes the sweep keeps (the full tape, or checkpoints plus one segment).
    public let tapeBytes: Double
    /// Bytes of the full tape.
    public let fullTapeBytes: Double
    public let budget: MemoryBudget
    /// What the tape is, for the line: "the trajectory's states", "the BPTT tape".
    public let what: String

    public init(strategy: BPTTStrategy, tapeBytes: Double, fullTapeBytes: Double, budget: MemoryBudget, what: String) {
        self.strategy = strategy
        self.tapeBytes = tapeBytes
        self.fullTapeBytes = fullTapeBytes
        self.budget = budget
        self.what = what
    }

    /// Whether what is kept exceeds the budget (a full tape that must be kept, or checkpoints that
    /// cannot get below it).
    public var exceedsBudget: Bool { tapeBytes > Double(budget.bytes) }

    /// `memory: full tape (the trajectory's states, 5.1 MB; budget 1GiB)` or `memory: checkpointed, a
    /// state every 1000 steps (the trajectory's states: 1.0 MB kept instead of 512 MB; budget 1GiB);
    /// segments recomputed, same numbers`.
    public var line: String {
        switch strategy {
        case .fullTape:
            return "memory: full tape (\(what), \(TapeMemory.bytesText(tapeBytes)); budget \(budget))"
        case .checkpointed(let k):
            return "memory: checkpointed, a state every \(k) steps (\(what): \(TapeMemory.bytesText(tapeBytes)) kept instead of \(TapeMemory.bytesText(fullTapeBytes)); budget \(budget)); segments recomputed, same numbers"
        }
    }

    /// `{"strategy": "full-tape" | "checkpointed", "interval": K | null, "tape_bytes", "full_tape_bytes",
    /// "budget_bytes"}` (the `memory` object of the JSON reports).
    public var jsonValue: JSONValue {
        .object([("strategy", .string(strategy.name)), ("interval", strategy.interval.map { .integer($0) } ?? .null),
                 ("tape_bytes", .number(tapeBytes)), ("full_tape_bytes", .number(fullTapeBytes)), ("budget_bytes", .integer(budget.bytes))])
    }

    /// `1.2 MB`, `512 MB`, `2.05 GB`: three significant digits, powers of 1000.
    public static func bytesText(_ bytes: Double) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var v = max(bytes, 0), i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(Int(v)) B" : String(format: "%.3g", v) + " " + units[i]
    }
}
