import Foundation

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
}

/// A memory budget in bytes for one BPTT tape, written `1GiB`, `512MiB`, `200MB`, `64KiB` or plain bytes.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    public let bytes: Int

    /// 1 GiB: the full tape is kept up to ≈ 1 GiB (T ≈ 4·10⁵ steps of a tanh RNN at H = 64, B = 1),
    /// longer sequences are checkpointed.
    public static let standard = MemoryBudget(bytes: 1 << 30)

    public init(bytes: Int) { self.bytes = max(bytes, 0) }

    /// Parses `<number>[unit]`, unit one of B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of
    /// 1024), case-insensitive; the number may have a fraction (`1.5GiB`).
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("b", 1)]
        var number = Substring(t), scale = 1.0
        for (u, f) in units where t.lowercased().hasSuffix(u) {
            number = t.dropLast(u.count)
            scale = f
            break
        }
        guard let v = Double(number.trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0, v * scale < 9e18 else {
            throw RecurrentError("'\(text)' is not a memory size: expected a number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB (e.g. 1GiB, 200MB)")
        }
        bytes = Int((v * scale).rounded(.down))
    }

    public var description: String {
        if bytes >= 1 << 30 && bytes % (1 << 20) == 0 { return String(format: "%gGiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 && bytes % 1024 == 0 { return String(format: "%gMiB", Double(bytes) / Double(1 << 20)) }
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
        return .checkpointed(interval: CheckpointedUnroller<Self>.defaultInterval(steps: t))
    }
}
