import Linalg

/// One direction of a stacked model as one dynamical system (a `RecurrentMap`) on the whole state
///
///     s_t = [s_t^0; s_t^1; …; s_t^{L−1}]      (each s^ℓ is h^ℓ, or [h^ℓ; c^ℓ] for LSTM: N = L·S values)
///     s_t^ℓ = F^ℓ(s_{t−1}^ℓ, x_t^ℓ),  x_t^0 = x_t,  x_t^ℓ = h_t^{ℓ−1} (ℓ ≥ 1: the layer below, same step)
///
/// For one direction of a bidirectional model, layer ℓ ≥ 1 reads PyTorch's [h^{ℓ−1,fwd}_t; h^{ℓ−1,bwd}_t]:
/// this direction's half comes from the state, the other direction's half (the *companion*, H values)
/// is a given input. The map's input is then [x_t (D); e_t^1 (C); …; e_t^{L−1} (C)], C = H for a
/// bidirectional model, C = 0 otherwise (the input is just x_t).
///
/// The Jacobian ∂s_t/∂s_{t−1} is block lower-triangular in layer order (N × N, row-major):
///
///     J[ℓ, ℓ] = J_t^ℓ                         the layer's own one-step Jacobian
///     J[ℓ, m] = A_t^ℓ · J[ℓ−1, m]|_{h rows}     m < ℓ, with A_t^ℓ = ∂s_t^ℓ/∂h_t^{ℓ−1} (S × H)
///
/// where A_t^ℓ is this direction's half of the columns of ∂s_t^ℓ/∂x_t^ℓ = (∂s_t^ℓ/∂ZX)·W_ih^ℓ
/// (`stateInputJacobian`), so det J = Π_ℓ det J_t^ℓ.
///
/// `hiddenSize` is layer 0's H (the first H entries of the state are h^0); the other layers' h sit at
/// offsets ℓ·S.
public struct StackedMap: RecurrentMap {
    /// Layer ℓ's cell (all the same family and H).
    public let cells: [any RecurrentCell]
    /// C: the companion width per layer ≥ 1 (0 or H).
    public let companionWidth: Int
    /// Whether this direction's half of a layer input comes second (the backward direction of a
    /// bidirectional model: PyTorch puts the forward half first).
    public let ownHalfSecond: Bool

    /// `cells` bottom to top; a layer ℓ ≥ 1 must read H + `companionWidth` values.
    public init(cells: [any RecurrentCell], companionWidth: Int = 0, ownHalfSecond: Bool = false) throws {
        guard let first = cells.first else { throw RecurrentError("a stacked map needs at least one layer") }
        let h = first.hiddenSize, s = first.stateSize
        for (l, c) in cells.enumerated() where c.hiddenSize != h || c.stateSize != s || (l > 0 && c.inputSize != h + companionWidth) {
            throw RecurrentError("layer \(l) of the stacked map: H = \(c.hiddenSize), input \(c.inputSize); expected H = \(h) and input \(h + companionWidth)")
        }
        self.cells = cells
        self.companionWidth = companionWidth
        self.ownHalfSecond = ownHalfSecond
    }

    /// L.
    public var layers: Int { cells.count }
    /// S of one layer.
    public var layerStateSize: Int { cells[0].stateSize }
    public var hiddenSize: Int { cells[0].hiddenSize }
    public var stateSize: Int { layers * layerStateSize }
    public var inputSize: Int { cells[0].inputSize + (layers - 1) * companionWidth }

    /// Scratch of one caller: the layers' cell workspaces and the buffers of one step.
    public final class Workspace {
        let cells: [CellWorkspace]
        /// Layer inputs (ℓ ≥ 1: H + C values each).
        let layerInput: UnsafeMutablePointer<Double>
        /// The new state (N) while forming the Jacobian.
        let next: UnsafeMutablePointer<Double>
        /// J_t^ℓ (S × S).
        let block: UnsafeMutablePointer<Double>
        /// ∂s^ℓ/∂ZX (S × G·H), ∂s^ℓ/∂x^ℓ (S × (H + C)), a unit vector (S).
        let gateRows: UnsafeMutablePointer<Double>, inputJacobian: UnsafeMutablePointer<Double>, unit: UnsafeMutablePointer<Double>
        private let owned: [UnsafeMutablePointer<Double>]

        init(_ map: StackedMap) {
            cells = map.cells.map { $0.makeWorkspace() }
            let s = map.layerStateSize, width = map.hiddenSize + map.companionWidth
            func buffer(_ n: Int) -> UnsafeMutablePointer<Double> {
                let p = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
                p.initialize(repeating: 0, count: max(n, 1))
                return p
            }
            layerInput = buffer(width)
            next = buffer(map.stateSize)
            block = buffer(s * s)
            gateRows = buffer(s * map.cells[0].weights.gateRows)
            inputJacobian = buffer(s * width)
            unit = buffer(s)
            owned = [layerInput, next, block, gateRows, inputJacobian, unit]
        }

        deinit { for p in owned { p.deallocate() } }
    }

    public func makeWorkspace() -> Workspace { Workspace(self) }

    /// Layer ℓ's input: x for ℓ = 0, else [own h^{ℓ−1}_t; companion] (or [companion; own] when
    /// `ownHalfSecond`), written to the workspace.
    private func layerInput(_ l: Int, x: UnsafePointer<Double>, newState: UnsafePointer<Double>,
                            _ ws: Workspace) -> UnsafePointer<Double> {
        guard l > 0 else { return x }
        let h = hiddenSize, c = companionWidth, own = newState + (l - 1) * layerStateSize
        let companion = x + cells[0].inputSize + (l - 1) * c
        let (ownAt, companionAt) = ownHalfSecond ? (c, 0) : (0, h)
        (ws.layerInput + ownAt).update(from: own, count: h)
        if c > 0 { (ws.layerInput + companionAt).update(from: companion, count: c) }
        return UnsafePointer(ws.layerInput)
    }

    public func step(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                     into next: UnsafeMutablePointer<Double>, workspace ws: inout Workspace) {
        let n = layerStateSize
        for (l, cell) in cells.enumerated() {
            let input = layerInput(l, x: x, newState: next, ws)
            var cw = ws.cells[l]
            cell.step(s + l * n, input, into: next + l * n, workspace: &cw)
        }
    }

    public func jacobian(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                         into j: UnsafeMutablePointer<Double>, workspace ws: inout Workspace) {
        let n = layerStateSize, total = stateSize, h = hiddenSize
        j.update(repeating: 0, count: total * total)
        for (l, cell) in cells.enumerated() {
            let input = layerInput(l, x: x, newState: ws.next, ws)
            var cw = ws.cells[l]
            cell.step(s + l * n, input, into: ws.next + l * n, workspace: &cw)
            cell.jacobian(s + l * n, input, into: ws.block, workspace: &cw)
            for a in 0..<n { (j + (l * n + a) * total + l * n).update(from: ws.block + a * n, count: n) }
            guard l > 0 else { continue }
            // J[ℓ, 0..<ℓ] = A^ℓ (S × H, this direction's columns of ∂s^ℓ/∂x^ℓ) · the h rows of J[ℓ−1, 0..<ℓ].
            let width = h + companionWidth
            cell.stateInputJacobian(s + l * n, input, into: ws.inputJacobian, gateRows: ws.gateRows, unit: ws.unit, workspace: &cw)
            gemm(.none, .none, m: n, n: l * n, k: h, ws.inputJacobian + (ownHalfSecond ? companionWidth : 0), lda: width,
                 j + (l - 1) * n * total, ldb: total, beta: 0, j + l * n * total, ldc: total)
        }
    }
}

extension RecurrentCell {
    /// ∂s_t/∂x_t (stateSize × inputSize, row-major) at (s, x): (∂s_t/∂ZX)·W_ih, row a of ∂s_t/∂ZX
    /// being the point-wise backward of the unit cotangent e_a (no finite differences; the c rows of
    /// an LSTM included). Scratch: `gateRows` holds stateSize × G·H values, `unit` stateSize.
    public func stateInputJacobian(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>,
                                   gateRows: UnsafeMutablePointer<Double>, unit: UnsafeMutablePointer<Double>,
                                   workspace: inout CellWorkspace) {
        let ws = workspace, gh = weights.gateRows, n = stateSize
        preactivations(s, x, ws)
        pointwiseForward(batch: 1, zx: ws.zx, zh: ws.zh, previous: s, next: ws.next, cache: ws.cache)
        unit.update(repeating: 0, count: n)
        for a in 0..<n {
            unit[a] = 1
            pointwiseBackward(batch: 1, dState: unit, cache: ws.cache, previous: s, next: ws.next,
                              dzx: gateRows + a * gh, dzh: ws.dzh, dPrevious: ws.dPrevious)
            unit[a] = 0
        }
        weights.inputWeight.withUnsafeBufferPointer { w in
            gemm(.none, .none, m: n, n: inputSize, k: gh, gateRows, lda: gh, w.baseAddress!, ldb: inputSize, beta: 0, j, ldc: inputSize)
        }
    }
}

extension RecurrentModel {
    /// The one restriction of stacked and bidirectional LRU models (docs/recurrent.md, "Stacking"), as the
    /// depth × time diagnosis, the stacked Jacobian map and the stacked Lyapunov run state it.
    public static let stackedLRUDiagnosisLimit = "the depth × time diagnosis, stacked Jacobian products and Lyapunov spectra cover one-layer unidirectional lru models only: a stacked lru layer reads y_t = Re(C h_t) + D ⊙ x_t, whose D ⊙ x_t term skips past the layer above, which the lattice of per-unit Jacobians does not carry (BPTT, training and trace do handle stacked and bidirectional lru models)"

    /// The stack of one direction as one `StackedMap` (`reverse`: the backward units, which read
    /// time reversed; the other direction's outputs are then its companions).
    /// A stacked or bidirectional LRU is not such a map: its layers read the read-outs y_t = C′s_t + D ⊙ x_t,
    /// whose D ⊙ x_t term reaches past the layer above (an error says so).
    public func stackedMap(reverse: Bool = false) throws -> StackedMap {
        if cell == .lru && isStacked { throw RecurrentError(Self.stackedLRUDiagnosisLimit) }
        return try StackedMap(cells: (0..<layers).map { makeCell(layer: $0, reverse: reverse) },
                       companionWidth: bidirectional ? hiddenSize : 0, ownHalfSecond: reverse)
    }
}
