import Linalg

/// One direction of a stacked model as one dynamical system (a `RecurrentMap`) on the whole state
///
///     s_t = [s_t^0; s_t^1; …; s_t^{L−1}]      (each s^ℓ is h^ℓ, or [h^ℓ; c^ℓ] for LSTM: N = L·S values)
///     s_t^ℓ = F^ℓ(s_{t−1}^ℓ, x_t^ℓ),  x_t^0 = x_t,  x_t^ℓ = h_t^{ℓ−1} (ℓ ≥ 1: the layer below, same step)
///
/// With read-outs (a stacked LRU) layer ℓ ≥ 1 reads the read-out y_t^{ℓ−1} = C′_{ℓ−1}s_t^{ℓ−1} + D_{ℓ−1} ⊙ x_t^{ℓ−1}
/// (o_{ℓ−1} values) instead of h_t^{ℓ−1}.
///
/// For one direction of a bidirectional model, layer ℓ ≥ 1 reads PyTorch's [h^{ℓ−1,fwd}_t; h^{ℓ−1,bwd}_t]
/// (or [y^{ℓ−1,fwd}_t; y^{ℓ−1,bwd}_t]): this direction's half comes from the state, the other direction's
/// half (the *companion*, C_ℓ values: H, or o_{ℓ−1}) is a given input. The map's input is then
/// [x_t (D); e_t^1 (C_1); …; e_t^{L−1} (C_{L−1})], C_ℓ = 0 for a unidirectional model (the input is just x_t).
///
/// The Jacobian ∂s_t/∂s_{t−1} is block lower-triangular in layer order (N × N, row-major):
///
///     J[ℓ, ℓ] = J_t^ℓ                         the layer's own one-step Jacobian
///     J[ℓ, m] = A_t^ℓ · R^ℓ[:, m]             m < ℓ, with A_t^ℓ = ∂s_t^ℓ/∂(own part of x_t^ℓ) (S × own width)
///
/// where A_t^ℓ is this direction's half of the columns of ∂s_t^ℓ/∂x_t^ℓ = (∂s_t^ℓ/∂ZX)·W_ih^ℓ
/// (`stateInputJacobian`) and R^ℓ = ∂(own part of x_t^ℓ)/∂s_{t−1} is, without read-outs, the h rows of
/// J[ℓ−1, ·]; with read-outs, recursively through the skips (R^1 = C′_0·J[0, ·]),
///
///     R^{ℓ+1} = C′_ℓ·J[ℓ, ·] + diag(D_ℓ)|_(own rows) · R^ℓ
///
/// (the skip D_ℓ ⊙ x^ℓ carries R^ℓ onto the rows of y^ℓ that read this direction's half), so
/// ∂x^ℓ/∂s^k for k < ℓ − 1 is a product through the D-diagonals. Either way det J = Π_ℓ det J_t^ℓ.
///
/// `hiddenSize` is layer 0's H (the first H entries of the state are h^0); the other layers' h sit at
/// offsets ℓ·S.
public struct StackedMap: RecurrentMap {
    /// Layer ℓ's cell (all the same family and H).
    public let cells: [any RecurrentCell]
    /// Per layer, the read-out it outputs (nil: every layer outputs h_t).
    public let readouts: [UnitReadout]?
    /// Whether layers ≥ 1 also read the other direction's outputs (a bidirectional model).
    public let hasCompanions: Bool
    /// Whether this direction's half of a layer input comes second (the backward direction of a
    /// bidirectional model: PyTorch puts the forward half first).
    public let ownHalfSecond: Bool
    /// Per layer ℓ ≥ 1 (index 0 unused, 0): the own part's width (H or o_{ℓ−1}), the companion's width
    /// C_ℓ and where the companion starts in the map's input.
    let ownWidths: [Int], companionWidths: [Int], companionOffsets: [Int]

    /// `cells` bottom to top; a layer ℓ ≥ 1 must read H + `companionWidth` values (companionWidth 0 or H).
    public init(cells: [any RecurrentCell], companionWidth: Int = 0, ownHalfSecond: Bool = false) throws {
        try self.init(cells: cells, readouts: nil, companions: companionWidth > 0, ownHalfSecond: ownHalfSecond)
        if let c = companionWidths.dropFirst().first, c != companionWidth {
            throw RecurrentError("a stacked map's companion has H = \(c) values, not \(companionWidth)")
        }
    }

    /// `cells` bottom to top; with `readouts` (one per layer) layer ℓ ≥ 1 reads layer ℓ−1's read-out
    /// (and, with `companions`, the other direction's: twice its width), else h^{ℓ−1} (and H companions).
    public init(cells: [any RecurrentCell], readouts: [UnitReadout]?, companions: Bool, ownHalfSecond: Bool = false) throws {
        guard let first = cells.first else { throw RecurrentError("a stacked map needs at least one layer") }
        let h = first.hiddenSize, s = first.stateSize
        if let readouts, readouts.count != cells.count || zip(readouts, cells).contains(where: { $0.matrix.cols != s || $0.width != $1.inputSize }) {
            throw RecurrentError("a stacked map's read-outs must be o_ℓ × S, o_ℓ the layer's input width (one per layer)")
        }
        var own = [0], companion = [0], offsets = [0], offset = first.inputSize
        for l in 1..<max(cells.count, 1) {
            let o = readouts?[l - 1].width ?? h, c = companions ? o : 0
            own.append(o); companion.append(c); offsets.append(offset)
            offset += c
        }
        for (l, c) in cells.enumerated() where c.hiddenSize != h || c.stateSize != s || (l > 0 && c.inputSize != own[l] + companion[l]) {
            throw RecurrentError("layer \(l) of the stacked map: H = \(c.hiddenSize), input \(c.inputSize); expected H = \(h) and input \(own[l] + companion[l])")
        }
        self.cells = cells
        self.readouts = readouts
        hasCompanions = companions
        self.ownHalfSecond = ownHalfSecond
        ownWidths = own; companionWidths = companion; companionOffsets = offsets
    }

    /// L.
    public var layers: Int { cells.count }
    /// S of one layer.
    public var layerStateSize: Int { cells[0].stateSize }
    public var hiddenSize: Int { cells[0].hiddenSize }
    public var stateSize: Int { layers * layerStateSize }
    public var inputSize: Int { cells[0].inputSize + companionWidths.reduce(0, +) }

    /// Scratch of one caller: the layers' cell workspaces and the buffers of one step.
    public final class Workspace {
        let cells: [CellWorkspace]
        /// Layer inputs (ℓ ≥ 1: own + companion values each).
        let layerInputs: [UnsafeMutablePointer<Double>]
        /// The new state (N) while forming the Jacobian.
        let next: UnsafeMutablePointer<Double>
        /// J_t^ℓ (S × S).
        let block: UnsafeMutablePointer<Double>
        /// ∂s^ℓ/∂ZX (S × G·H), ∂s^ℓ/∂x^ℓ (S × widest input), a unit vector (S).
        let gateRows: UnsafeMutablePointer<Double>, inputJacobian: UnsafeMutablePointer<Double>, unit: UnsafeMutablePointer<Double>
        /// Read-outs only: R^ℓ and R^{ℓ+1} (widest own part × N).
        var ownRows: UnsafeMutablePointer<Double>, nextOwnRows: UnsafeMutablePointer<Double>
        private let owned: [UnsafeMutablePointer<Double>]

        init(_ map: StackedMap) {
            cells = map.cells.map { $0.makeWorkspace() }
            let s = map.layerStateSize, widest = map.cells.map(\.inputSize).max()!, own = map.ownWidths.max()!
            func buffer(_ n: Int) -> UnsafeMutablePointer<Double> {
                let p = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
                p.initialize(repeating: 0, count: max(n, 1))
                return p
            }
            layerInputs = map.cells.map { buffer($0.inputSize) }
            next = buffer(map.stateSize)
            block = buffer(s * s)
            gateRows = buffer(s * map.cells[0].weights.gateRows)
            inputJacobian = buffer(s * widest)
            unit = buffer(s)
            let rows = map.readouts == nil ? 0 : own * map.stateSize
            ownRows = buffer(rows); nextOwnRows = buffer(rows)
            owned = layerInputs + [next, block, gateRows, inputJacobian, unit, ownRows, nextOwnRows]
        }

        deinit { for p in owned { p.deallocate() } }
    }

    public func makeWorkspace() -> Workspace { Workspace(self) }

    /// Where this direction's half starts in layer ℓ's input (ℓ ≥ 1).
    private func ownAt(_ l: Int) -> Int { ownHalfSecond ? companionWidths[l] : 0 }

    /// Layer ℓ's input: x for ℓ = 0, else [own h^{ℓ−1}_t or y^{ℓ−1}_t; companion] (or [companion; own]
    /// when `ownHalfSecond`), written to the workspace; layer ℓ − 1's input and new state must be ready.
    private func layerInput(_ l: Int, x: UnsafePointer<Double>, newState: UnsafePointer<Double>,
                            _ ws: Workspace) -> UnsafePointer<Double> {
        guard l > 0 else { return x }
        let c = companionWidths[l], own = ownWidths[l], below = newState + (l - 1) * layerStateSize
        let companion = x + companionOffsets[l]
        let (ownAt, companionAt) = ownHalfSecond ? (c, 0) : (0, own)
        let input = ws.layerInputs[l]
        if let r = readouts?[l - 1] {
            r.apply(state: below, input: l == 1 ? x : UnsafePointer(ws.layerInputs[l - 1]), into: input + ownAt)
        } else {
            (input + ownAt).update(from: below, count: own)
        }
        if c > 0 { (input + companionAt).update(from: companion, count: c) }
        return UnsafePointer(input)
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
        let n = layerStateSize, total = stateSize
        j.update(repeating: 0, count: total * total)
        for (l, cell) in cells.enumerated() {
            let input = layerInput(l, x: x, newState: ws.next, ws)
            var cw = ws.cells[l]
            cell.step(s + l * n, input, into: ws.next + l * n, workspace: &cw)
            cell.jacobian(s + l * n, input, into: ws.block, workspace: &cw)
            for a in 0..<n { (j + (l * n + a) * total + l * n).update(from: ws.block + a * n, count: n) }
            let rows = j + l * n * total
            if l > 0 {
                // J[ℓ, 0..<ℓ] = A^ℓ (S × own, this direction's columns of ∂s^ℓ/∂x^ℓ) · R^ℓ (own × the first ℓ·S columns).
                let width = cell.inputSize, own = ownWidths[l]
                cell.stateInputJacobian(s + l * n, input, into: ws.inputJacobian, gateRows: ws.gateRows, unit: ws.unit, workspace: &cw)
                let (r, ldr) = readouts == nil ? (UnsafePointer(j + (l - 1) * n * total), total) : (UnsafePointer(ws.ownRows), total)
                gemm(.none, .none, m: n, n: l * n, k: own, ws.inputJacobian + ownAt(l), lda: width, r, ldb: ldr, beta: 0, rows, ldc: total)
            }
            guard let readouts, l + 1 < layers else { continue }
            // R^{ℓ+1} = C′_ℓ·J[ℓ, ·] + diag(D_ℓ)|own rows · R^ℓ (o_ℓ × N; columns past (ℓ+1)·S stay zero).
            let r = readouts[l], o = r.width
            r.matrix.withUnsafeBufferPointer { c in
                gemm(.none, .none, m: o, n: total, k: n, c.baseAddress!, lda: n, rows, ldb: total, beta: 0, ws.nextOwnRows, ldc: total)
            }
            if l > 0 {
                let at = ownAt(l)
                for i in 0..<ownWidths[l] {
                    let d = r.skip[at + i], dst = ws.nextOwnRows + (at + i) * total, src = ws.ownRows + i * total
                    for c in 0..<(l * n) { dst[c] += d * src[c] }
                }
            }
            swap(&ws.ownRows, &ws.nextOwnRows)
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
    /// The stack of one direction as one `StackedMap` (`reverse`: the backward units, which read
    /// time reversed; the other direction's outputs are then its companions). A stacked or
    /// bidirectional LRU's layers read the read-outs y_t = C′s_t + D ⊙ x_t (`unitReadouts`).
    public func stackedMap(reverse: Bool = false) throws -> StackedMap {
        let cells = (0..<layers).map { makeCell(layer: $0, reverse: reverse) }
        guard cell == .lru else {
            return try StackedMap(cells: cells, companionWidth: bidirectional ? hiddenSize : 0, ownHalfSecond: reverse)
        }
        let readouts = (0..<layers).map { UnitReadout(lruParameters(layer: $0, reverse: reverse)) }
        return try StackedMap(cells: cells, readouts: readouts, companions: bidirectional, ownHalfSecond: reverse)
    }
}
