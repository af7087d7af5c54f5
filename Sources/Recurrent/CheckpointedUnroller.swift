import Foundation
import Linalg

/// Full BPTT in O(√T) memory: the forward pass keeps only every K-th state (checkpoints
/// s_0, s_K, s_2K, …; for an LSTM the (h, c) pair, the whole state row), and the backward pass
/// recomputes one segment of K steps at a time on a K-step `Unroller` tape, from its checkpoint,
/// before backpropagating through it (Griewank's √T checkpointing; Chen et al. 2016).
///
/// Cost: one extra forward pass (every segment but the last is run twice). Memory: ⌈T/K⌉ + 1
/// checkpoints (B × S each), one K-step tape and the T-long per-step norm series; with K = ⌈√T⌉
/// (the default) both parts are O(√T·B·S). T = 10⁶, H = 64, B = 1: 1,000 checkpoints of 512 bytes
/// and a 1,000-step tape of ≈ 2 MB, instead of a ≈ 2.5 GB tape.
///
/// Exactness: every step is the same arithmetic as on the full tape — the segment's forward starts
/// from a bit-exact copy of the checkpointed state, its input projection is the same gemm per row,
/// and the gradient ∂L/∂s that crosses a segment boundary is handed over as a copy
/// (`Unroller.backward(seed:)`). So the states, ∂L/∂s_t, ∂L/∂s_0, the per-step norms and ∂L/∂x are
/// bit-identical to the full tape's (tested). The parameter gradients are sums over steps; here they
/// are summed per segment (one gemm per segment) and then across segments, a different summation
/// order than the full tape's single gemm over all T·B rows, so they differ by rounding only:
/// |Δ| ≤ 2γ_{T·B}·Σ_t |a_t|·|b_t| per entry (γ_n = n·u/(1 − n·u), u = 2⁻⁵³), checked in the tests.
///
/// Only full BPTT (no truncation windows: a truncated sweep never needs more than its window).
public final class CheckpointedUnroller<Cell: RecurrentCell> {
    public let cell: Cell
    public let capacity: Int
    public let batch: Int
    /// K, the segment length (steps between checkpoints).
    public let interval: Int
    public private(set) var steps = 0

    let tape: Unroller<Cell>
    let s: Int, d: Int
    let checkpoints: UnsafeMutablePointer<Double>     // (⌈capacity/K⌉ + 1)·B·S
    let finalState: UnsafeMutablePointer<Double>      // B·S
    let carry: UnsafeMutablePointer<Double>           // B·S
    let initialGradient: UnsafeMutablePointer<Double> // B·S
    let hiddenNorms: UnsafeMutablePointer<Double>, cellNorms: UnsafeMutablePointer<Double>?, weightNorms: UnsafeMutablePointer<Double>
    private var inputs: UnsafePointer<Double>?
    /// Which segment the tape currently holds (nil: none).
    private var onTape: Int?
    private var gradients: (inputWeight: Matrix, hiddenWeight: Matrix, inputBias: Matrix, hiddenBias: Matrix)?

    /// A checkpointed sweep for up to `capacity` steps of `batch` sequences, every `interval` steps
    /// (default ⌈√capacity⌉).
    public init(cell: Cell, capacity: Int, batch: Int, interval: Int? = nil) {
        precondition(capacity >= 1 && batch > 0)
        let k = max(1, min(interval ?? CheckpointedUnroller.defaultInterval(steps: capacity), capacity))
        self.cell = cell
        self.capacity = capacity
        self.batch = batch
        self.interval = k
        s = cell.stateSize; d = cell.inputSize
        tape = Unroller(cell: cell, capacity: k, batch: batch)
        let segments = (capacity + k - 1) / k
        checkpoints = allocateAligned((segments + 1) * batch * s)
        finalState = allocateAligned(batch * s)
        carry = allocateAligned(batch * s)
        initialGradient = allocateAligned(batch * s)
        hiddenNorms = allocateAligned(capacity)
        weightNorms = allocateAligned(capacity)
        cellNorms = s == 2 * cell.hiddenSize ? allocateAligned(capacity) : nil
    }

    deinit {
        for p in [checkpoints, finalState, carry, initialGradient, hiddenNorms, weightNorms] { p.deallocate() }
        cellNorms?.deallocate()
    }

    /// ⌈√T⌉, which balances the checkpoints (T/K states) against the tape (K steps).
    public static func defaultInterval(steps t: Int) -> Int { BPTTStrategy.defaultInterval(steps: t) }

    private func segmentRange(_ i: Int) -> Range<Int> { i * interval ..< min((i + 1) * interval, steps) }
    private var segmentCount: Int { (steps + interval - 1) / interval }
    private func checkpoint(_ i: Int) -> UnsafeMutablePointer<Double> { checkpoints + i * batch * s }

    /// Runs T steps keeping every K-th state. `x`: time-major T·B·D (valid until the backward sweep
    /// is finished); `initial`: B × S, or zero when nil (also kept until then).
    public func forward(steps t: Int, inputs x: UnsafePointer<Double>, initial: UnsafePointer<Double>? = nil) {
        precondition(t >= 1 && t <= capacity, "CheckpointedUnroller: \(t) steps outside 1…\(capacity)")
        steps = t
        inputs = x
        gradients = nil
        let bs = batch * s
        if let initial { checkpoint(0).update(from: initial, count: bs) } else { checkpoint(0).update(repeating: 0, count: bs) }
        for i in 0..<segmentCount { run(segment: i); checkpoint(i + 1).update(from: tape.state(segmentRange(i).count), count: bs) }
        finalState.update(from: checkpoint(segmentCount), count: bs)
    }

    /// Recomputes segment i on the tape from its checkpoint.
    private func run(segment i: Int) {
        guard let x = inputs else { preconditionFailure("CheckpointedUnroller: no inputs") }
        let r = segmentRange(i)
        tape.forward(steps: r.count, inputs: x + r.lowerBound * batch * d, initial: checkpoint(i))
        onTape = i
    }

    /// s_T (B × S) after `forward`.
    public var lastState: UnsafePointer<Double> { UnsafePointer(finalState) }

    /// Full BPTT from s_T down to s_0: for steps t in `injected`, `injection(t)` (B × H) is added to
    /// ∂L/∂h_t on arrival, as `Unroller.backward`. Segments are visited last to first, each recomputed
    /// from its checkpoint (the last is still on the tape). `perSegment(range, tape)` is called after
    /// each segment's sweep with its global steps first … last (1-based) and the tape holding them
    /// (local step t − first + 1), e.g. to copy ∂L/∂s_t or ∂L/∂x out; the norms and parameter gradients are kept here.
    public func backward(injected: ClosedRange<Int>?, injection: (Int) -> UnsafePointer<Double>?,
                         perSegment: ((ClosedRange<Int>, Unroller<Cell>) -> Void)? = nil) {
        precondition(steps >= 1, "CheckpointedUnroller: backward before forward")
        var sums: (inputWeight: Matrix, hiddenWeight: Matrix, inputBias: Matrix, hiddenBias: Matrix)?
        for i in stride(from: segmentCount - 1, through: 0, by: -1) {
            let r = segmentRange(i), first = r.lowerBound
            if onTape != i { run(segment: i) }
            tape.beginBackward()
            var local: ClosedRange<Int>?
            if let g = injected {
                let lo = max(g.lowerBound, first + 1), hi = min(g.upperBound, r.upperBound)
                if lo <= hi { local = (lo - first)...(hi - first) }
            }
            tape.backward(from: r.count, to: 0, injected: local, seed: i == segmentCount - 1 ? nil : UnsafePointer(carry)) {
                injection($0 + first)
            }
            carry.update(from: tape.windowStartGradient, count: batch * s)
            tape.hiddenGradientNorms(into: hiddenNorms + first)
            if let c = cellNorms { tape.cellGradientNorms(into: c + first) }
            tape.recurrentWeightStepLog10Norms(into: weightNorms + first)
            let p = tape.parameterGradients(inputGradient: false)
            if var acc = sums {
                add(p.inputWeight, to: &acc.inputWeight); add(p.hiddenWeight, to: &acc.hiddenWeight)
                add(p.inputBias, to: &acc.inputBias); add(p.hiddenBias, to: &acc.hiddenBias)
                sums = acc
            } else {
                sums = (p.inputWeight, p.hiddenWeight, p.inputBias, p.hiddenBias)
            }
            perSegment?((first + 1)...r.upperBound, tape)
        }
        initialGradient.update(from: tape.initialStateGradient, count: batch * s)
        gradients = sums
    }

    private func add(_ m: Matrix, to acc: inout Matrix) {
        m.withUnsafeBufferPointer { src in acc.withUnsafeMutableBufferPointer { dst in for k in 0..<dst.count { dst[k] += src[k] } } }
    }

    /// ∂L/∂W_ih, ∂L/∂W_hh (∂L/∂u for a diagonal recurrence), ∂L/∂b_ih, ∂L/∂b_hh after `backward`.
    public var parameterGradients: (inputWeight: Matrix, hiddenWeight: Matrix, inputBias: Matrix, hiddenBias: Matrix) {
        guard let g = gradients else { preconditionFailure("CheckpointedUnroller: parameter gradients before backward") }
        return g
    }

    /// ∂L/∂s_0 (B × S) after `backward`.
    public var initialStateGradient: UnsafePointer<Double> { UnsafePointer(initialGradient) }
    /// ‖∂L/∂h_t‖_F over the batch, t = 1 … T at index t − 1 (as `Unroller.hiddenGradientNorms`).
    public var hiddenGradientNorms: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: hiddenNorms, count: steps) }
    /// ‖∂L/∂c_t‖_F over the batch (LSTM), else nil.
    public var cellGradientNorms: UnsafeBufferPointer<Double>? { cellNorms.map { UnsafeBufferPointer(start: $0, count: steps) } }
    /// log10 ‖step t's term of ∂L/∂W_hh‖_F (as `Unroller.recurrentWeightStepLog10Norms`).
    public var recurrentWeightStepLog10Norms: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: weightNorms, count: steps) }
}
