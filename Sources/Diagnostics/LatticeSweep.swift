import Foundation
import Linalg
import Recurrent

/// The log-domain backward sweep of `DepthTimeFlow` over the depth × time lattice, and the depth
/// products. Units k = ℓ·dirs + dir; a unit's tape step τ is t (forward) or T + 1 − t (backward);
/// trajectories are in tape order (row τ of `states` = s_τ, row τ − 1 of `inputs` = x_τ).
///
/// **Read-outs (stacked LRU).** With `readouts`, unit k's layer outputs y_t^k = C′_k s_t^k + D_k ⊙ x_t^k
/// (o_ℓ values; layer ℓ + 1 reads [y^{ℓ,fwd}; y^{ℓ,bwd}]) instead of h_t^k. The sweep then carries, beside
/// each unit's state adjoint a_t^k = ∂L/∂s_t^k, its output adjoint e_t^k = ∂L/∂y_t^k:
///
///     e_t^{ℓ,dir} = Σ_dir' [ (∂s_t^{ℓ+1,dir'}/∂x)ᵀ a_t^{ℓ+1,dir'} + D_{ℓ+1,dir'} ⊙ e_t^{ℓ+1,dir'} ]_(dir's slice of x^{ℓ+1})
///     (e_T^{top,dir} = g's slice, zero at other steps), and a_t^k receives C′_kᵀ e_t^k,
///
/// so the skip D ⊙ x carries ∂L/∂y of layer ℓ + 1 to layer ℓ's read-out, and unrolled, layer ℓ + 2's
/// through the product D_{ℓ+2}D_{ℓ+1} (diagonals): exactly StackedTape's BPTT. The depth term of
/// (ℓ+1, dir') into (ℓ, dir) is then the norm of C′ᵀ(its part of e_t^{ℓ,dir}), its share of a_t^{ℓ,dir}.
struct LatticeSweep {
    let cells: [any RecurrentCell]
    /// Per unit, the read-out its layer outputs (nil: layers output h_t).
    let readouts: [UnitReadout]?
    let states: [[Double]], inputs: [[Double]]
    let layers: Int, dirs: Int, steps: Int, h: Int, s: Int
    /// Per unit, per step t: log10 ‖h-part of a_t‖ (nil = exactly zero).
    private(set) var gradNormLog10: [[Double?]]
    /// Per unit, per step t (with `contributions`): log10 ‖g_τ·h_{τ−1}ᵀ‖_F, the unit's term of
    /// ∂L/∂W_hh at its tape step τ (`WeightGradientContributions`); nil = exactly zero.
    private(set) var contributionLog10: [[Double?]] = []
    /// Per unit, per step t (with `unitMaps`): log10 |∂L/∂h_t,i| for i < H (row t − 1; −∞ for an exact
    /// zero, a whole row for a step no gradient reaches), time-aligned for a backward unit too.
    private(set) var unitLog10: [[[Double]]] = []
    /// Per unit, per step: log10 of the norm of the time term, the depth term from each direction
    /// of the layer above, and the loss term (−∞ = absent or zero).
    private var timeTerm: [[Double]], depthTerm: [[[Double]]], lossTerm: [[Double]]

    init(cells: [any RecurrentCell], trajectories: [Trajectory], layers: Int, directions: Int, adjoint g: [Double],
         readouts: [UnitReadout]? = nil, contributions: Bool = false, unitMaps: Bool = false) {
        self.cells = cells
        self.readouts = readouts
        states = trajectories.map(\.states.elements)
        inputs = trajectories.map(\.inputs.elements)
        self.layers = layers; dirs = directions; steps = trajectories[0].length
        h = cells[0].hiddenSize; s = cells[0].stateSize
        let units = cells.count, t = steps
        gradNormLog10 = [[Double?]](repeating: [Double?](repeating: nil, count: t), count: units)
        timeTerm = [[Double]](repeating: [Double](repeating: -.infinity, count: t), count: units)
        lossTerm = timeTerm
        depthTerm = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: -.infinity, count: directions), count: t), count: units)
        if contributions { contributionLog10 = gradNormLog10 }
        if unitMaps { unitLog10 = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: -.infinity, count: h), count: t), count: units) }
        sweep(adjoint: g)
    }

    func tapeStep(_ time: Int, _ dir: Int) -> Int { dir == 0 ? time : steps + 1 - time }

    /// o_ℓ: the width of one direction's output of layer ℓ (H, or the read-out's D_ℓ).
    func outputWidth(_ layer: Int) -> Int { readouts?[layer * dirs].width ?? h }

    /// The state image of an output adjoint v (o_ℓ values) of unit k into `z` (S values): C′ᵀv, or [v; 0].
    func stateImage(_ k: Int, _ v: UnsafePointer<Double>, into z: UnsafeMutablePointer<Double>) {
        if let r = readouts?[k] {
            r.matrix.withUnsafeBufferPointer { c in gemv(.transpose, rows: r.width, cols: s, c.baseAddress!, v, beta: 0, z) }
        } else {
            for i in 0..<s { z[i] = i < h ? v[i] : 0 }
        }
    }

    /// acc·10^accLog += v·10^vLog (n values), keeping acc's entries O(1).
    private static func addScaled(_ acc: inout [Double], _ accLog: inout Double, _ v: UnsafePointer<Double>, count n: Int, log10Scale vLog: Double) {
        let nv = nrm2(v, count: n)
        guard nv > 0, vLog > -.infinity else { return }
        let e = vLog + log10(nv)
        if accLog == -.infinity {
            for i in 0..<n { acc[i] = v[i] / nv }
            accLog = e
        } else {
            let m = max(accLog, e), a = pow(10, accLog - m), b = pow(10, e - m) / nv
            for i in 0..<n { acc[i] = acc[i] * a + v[i] * b }
            accLog = m
        }
    }

    private mutating func sweep(adjoint g: [Double]) {
        let t = steps, top = layers - 1
        let widest = max(s, (0..<layers).map(outputWidth).max()!), widestInput = cells.map(\.inputSize).max()!
        var adj = [[Double]](repeating: [Double](repeating: 0, count: t * s), count: cells.count)
        var adjLog = [[Double]](repeating: [Double](repeating: -.infinity, count: t), count: cells.count)
        // Per unit: e_t = ∂L/∂(its output at t) (o_ℓ values per step), as unit-scale vector × 10^outLog.
        var out = (0..<cells.count).map { [Double](repeating: 0, count: t * outputWidth($0 / dirs)) }
        var outLog = [[Double]](repeating: [Double](repeating: -.infinity, count: t), count: cells.count)
        // Per direction of the current layer: the state image of e_t (S values per step).
        var injection = [[Double]](repeating: [Double](repeating: 0, count: t * s), count: dirs)
        var injectionLog = [[Double]](repeating: [Double](repeating: -.infinity, count: t), count: dirs)
        var acc = [Double](repeating: 0, count: widest), vin = [Double](repeating: 0, count: widestInput)
        var part = acc, skipped = acc, image = [Double](repeating: 0, count: s)
        var tmp = [Double](repeating: 0, count: s)
        var factor = [Double](repeating: 0, count: contributionLog10.isEmpty ? 0 : cells[0].weights.gateRows)
        var workspaces = cells.map { $0.makeWorkspace() }
        for layer in stride(from: top, through: 0, by: -1) {
            let o = outputWidth(layer)
            // Depth (or loss) terms into this layer's outputs, per direction and step.
            for dir in 0..<dirs {
                let k = layer * dirs + dir
                for time in 1...t {
                    var accLog = -Double.infinity
                    if layer == top {
                        if time == t {
                            g.withUnsafeBufferPointer { Self.addScaled(&acc, &accLog, $0.baseAddress! + dir * o, count: o, log10Scale: 0) }
                            if accLog > -.infinity {
                                acc.withUnsafeBufferPointer { v in image.withUnsafeMutableBufferPointer { stateImage(k, v.baseAddress!, into: $0.baseAddress!) } }
                                let n = nrm2(image)
                                lossTerm[k][time - 1] = n > 0 ? log10(n) + accLog : -.infinity
                            }
                        }
                    } else {
                        let o2 = outputWidth(layer + 1)
                        for dir2 in 0..<dirs {
                            let k2 = (layer + 1) * dirs + dir2, tau = tapeStep(time, dir2), scale = adjLog[k2][time - 1]
                            var partLog = -Double.infinity
                            if scale > -.infinity {
                                let d2 = cells[k2].inputSize
                                states[k2].withUnsafeBufferPointer { st in inputs[k2].withUnsafeBufferPointer { x in
                                    adj[k2].withUnsafeBufferPointer { u in vin.withUnsafeMutableBufferPointer { v in
                                        cells[k2].inputVJP(st.baseAddress! + (tau - 1) * s, x.baseAddress! + (tau - 1) * d2,
                                                           cotangent: u.baseAddress! + (time - 1) * s, into: v.baseAddress!, workspace: &workspaces[k2])
                                    } }
                                } }
                                vin.withUnsafeBufferPointer { Self.addScaled(&part, &partLog, $0.baseAddress! + dir * o, count: o, log10Scale: scale) }
                            }
                            // The skip D ⊙ x of the unit above: its e_t, through D, onto this direction's slice.
                            if let r = readouts?[k2], outLog[k2][time - 1] > -.infinity {
                                for j in 0..<o { skipped[j] = r.skip[dir * o + j] * out[k2][(time - 1) * o2 + dir * o + j] }
                                skipped.withUnsafeBufferPointer { Self.addScaled(&part, &partLog, $0.baseAddress!, count: o, log10Scale: outLog[k2][time - 1]) }
                            }
                            guard partLog > -.infinity else { continue }
                            part.withUnsafeBufferPointer { v in image.withUnsafeMutableBufferPointer { stateImage(k, v.baseAddress!, into: $0.baseAddress!) } }
                            let n = nrm2(image)
                            depthTerm[k][time - 1][dir2] = n > 0 ? log10(n) + partLog : -.infinity
                            part.withUnsafeBufferPointer { Self.addScaled(&acc, &accLog, $0.baseAddress!, count: o, log10Scale: partLog) }
                        }
                    }
                    outLog[k][time - 1] = accLog
                    injectionLog[dir][time - 1] = accLog
                    guard accLog > -.infinity else { continue }
                    for j in 0..<o { out[k][(time - 1) * o + j] = acc[j] }
                    acc.withUnsafeBufferPointer { v in injection[dir].withUnsafeMutableBufferPointer {
                        stateImage(k, v.baseAddress!, into: $0.baseAddress! + (time - 1) * s)
                    } }
                }
            }
            // The time recursion of each unit of this layer, injections added on arrival.
            for dir in 0..<dirs {
                let k = layer * dirs + dir, d = cells[k].inputSize
                for tau in stride(from: t, through: 1, by: -1) {
                    let time = tapeStep(tau, dir)
                    var accLog = -Double.infinity
                    for i in 0..<s { acc[i] = 0 }
                    if tau < t {
                        let after = tapeStep(tau + 1, dir), scale = adjLog[k][after - 1]
                        if scale > -.infinity {
                            states[k].withUnsafeBufferPointer { st in inputs[k].withUnsafeBufferPointer { x in
                                adj[k].withUnsafeBufferPointer { u in tmp.withUnsafeMutableBufferPointer { o in
                                    cells[k].vjp(st.baseAddress! + tau * s, x.baseAddress! + tau * d,
                                                 cotangent: u.baseAddress! + (after - 1) * s, into: o.baseAddress!, workspace: &workspaces[k])
                                } }
                            } }
                            tmp.withUnsafeBufferPointer { v in
                                let n = nrm2(v.baseAddress!, count: s)
                                timeTerm[k][time - 1] = n > 0 ? log10(n) + scale : -.infinity
                                Self.addScaled(&acc, &accLog, v.baseAddress!, count: s, log10Scale: scale)
                            }
                        }
                    }
                    if injectionLog[dir][time - 1] > -.infinity {
                        for i in 0..<s { tmp[i] = injection[dir][(time - 1) * s + i] }
                        tmp.withUnsafeBufferPointer { Self.addScaled(&acc, &accLog, $0.baseAddress!, count: s, log10Scale: injectionLog[dir][time - 1]) }
                    }
                    let n = acc.withUnsafeBufferPointer { nrm2($0.baseAddress!, count: s) }
                    guard n > 0, accLog > -.infinity else { continue }
                    for i in 0..<s { adj[k][(time - 1) * s + i] = acc[i] / n }
                    adjLog[k][time - 1] = accLog + log10(n)
                    let nh = adj[k].withUnsafeBufferPointer { nrm2($0.baseAddress! + (time - 1) * s, count: h) }
                    gradNormLog10[k][time - 1] = nh > 0 ? log10(nh) + adjLog[k][time - 1] : nil
                    if !unitLog10.isEmpty {
                        let base = (time - 1) * s, scale = adjLog[k][time - 1]
                        unitLog10[k][time - 1] = (0..<h).map { i in adj[k][base + i] == 0 ? -.infinity : log10(abs(adj[k][base + i])) + scale }
                    }
                    if !contributionLog10.isEmpty {
                        // Step τ's term of ∂L/∂W_hh: g(a_τ)·h_{τ−1}ᵀ, a rank-one matrix.
                        let (ng, nPrevious) = states[k].withUnsafeBufferPointer { st in inputs[k].withUnsafeBufferPointer { x in
                            adj[k].withUnsafeBufferPointer { u in factor.withUnsafeMutableBufferPointer { o in
                                cells[k].hiddenWeightGradientFactor(st.baseAddress! + (tau - 1) * s, x.baseAddress! + (tau - 1) * d,
                                                                    cotangent: u.baseAddress! + (time - 1) * s, into: o.baseAddress!, workspace: &workspaces[k])
                                return (nrm2(o.baseAddress!, count: o.count), nrm2(st.baseAddress! + (tau - 1) * s, count: h))
                            } }
                        } }
                        contributionLog10[k][time - 1] = ng > 0 && nPrevious > 0 ? log10(ng) + log10(nPrevious) + adjLog[k][time - 1] : nil
                    }
                }
            }
        }
    }

    /// From (1, 0, forward): step to the neighbour with the largest term until the loss term wins.
    func dominantPath() -> [LatticeNode] {
        var k = 0, time = 1
        var path = [LatticeNode(step: 1, layer: 0, reverse: false)]
        while path.count <= steps * cells.count {
            let layer = k / dirs, dir = k % dirs
            var best = lossTerm[k][time - 1], next: (Int, Int)? = nil
            if timeTerm[k][time - 1] > best { best = timeTerm[k][time - 1]; next = (k, dir == 0 ? time + 1 : time - 1) }
            for dir2 in 0..<dirs where depthTerm[k][time - 1][dir2] > best {
                best = depthTerm[k][time - 1][dir2]; next = ((layer + 1) * dirs + dir2, time)
            }
            guard best > -.infinity, let (k2, t2) = next else { break }
            k = k2; time = t2
            path.append(LatticeNode(step: time, layer: k / dirs, reverse: k % dirs == 1))
        }
        return path
    }

    /// ‖∂h_t^{top}/∂h_t^{top−d}‖ for d = 0 … L−1: P ← P·K^m with K^m = ∂h_t^m/∂h_t^{m−1} (both
    /// directions stacked), renormalised after every product.
    func depthProductNorms(step t: Int) throws -> [LagNorm] {
        if readouts != nil { return try readoutDepthProductNorms(step: t) }
        let n = dirs * h
        var p = [Double](repeating: 0, count: n * n), k = p, next = p
        for i in 0..<n { p[i * n + i] = 1 }
        var logScale = 0.0, zero = false
        var norms = [LagNorm(lag: 0, spectralLog10: 0, frobeniusLog10: 0.5 * log10(Double(n)))]
        let svd = try SingularValueWorkspace(rows: n, cols: n)
        var unit = [Double](repeating: 0, count: s)
        var workspaces = cells.map { $0.makeWorkspace() }
        for m in stride(from: layers - 1, through: 1, by: -1) {
            for dir2 in 0..<dirs {
                let k2 = m * dirs + dir2, tau = tapeStep(t, dir2), d = cells[k2].inputSize
                states[k2].withUnsafeBufferPointer { st in inputs[k2].withUnsafeBufferPointer { x in
                    k.withUnsafeMutableBufferPointer { j in unit.withUnsafeMutableBufferPointer { u in
                        cells[k2].hiddenInputJacobian(st.baseAddress! + (tau - 1) * s, x.baseAddress! + (tau - 1) * d,
                                                      into: j.baseAddress! + dir2 * h * n, unit: u.baseAddress!, workspace: &workspaces[k2])
                    } }
                } }
            }
            if !zero {
                gemm(.none, .none, m: n, n: n, k: n, p, lda: n, k, ldb: n, beta: 0, &next, ldc: n)
                swap(&p, &next)
                let f = nrm2(p)
                if f > 0 && f.isFinite { scal(1 / f, &p, count: n * n); logScale += log10(f) } else if f == 0 { zero = true }
            }
            let lag = layers - m
            if zero {
                norms.append(LagNorm(lag: lag, spectralLog10: nil, frobeniusLog10: nil))
            } else {
                let sigma = try p.withUnsafeBufferPointer { try svd.compute($0.baseAddress!) }
                norms.append(LagNorm(lag: lag, spectralLog10: log10(sigma) + logScale, frobeniusLog10: log10(nrm2(p)) + logScale))
            }
        }
        return norms
    }

    /// With read-outs (stacked LRU): ‖∂s_t^{top}/∂s_t^{top−d}‖ (both directions stacked, dirs·S square),
    /// the within-step total derivative, which also follows the skips. With x^m the input of layer m
    /// ([y^{m−1,fwd}; y^{m−1,bwd}]), A^{m,dir} = ∂s_t^{m,dir}/∂x^m (S × D_m, `stateInputJacobian`) and
    /// y^{m,dir} = C′_{m,dir}s^{m,dir} + D_{m,dir} ⊙ x^m, top-down from P^{top} = [A^{top,fwd}; A^{top,bwd}]:
    ///
    ///     ∂s^{top}/∂s^{m−1} = P^m · blockdiag_dir(C′_{m−1,dir})                       (lag top − m + 1)
    ///     P^{m−1} = ∂s^{top}/∂x^{m−1} = Σ_dir P^m[:, dir's columns] · (diag(D_{m−1,dir}) + C′_{m−1,dir} A^{m−1,dir})
    ///
    /// P is renormalised after every layer (its scale kept in log10).
    func readoutDepthProductNorms(step t: Int) throws -> [LagNorm] {
        guard let readouts else { return [] }
        let n = dirs * s, top = layers - 1
        var norms = [LagNorm(lag: 0, spectralLog10: 0, frobeniusLog10: 0.5 * log10(Double(n)))]
        guard layers > 1 else { return norms }
        let svd = try SingularValueWorkspace(rows: n, cols: n)
        var workspaces = cells.map { $0.makeWorkspace() }
        var unit = [Double](repeating: 0, count: s), gateRows = [Double](repeating: 0, count: s * cells[0].weights.gateRows)
        /// A^{m,dir} (S × D_m) at step t.
        func inputJacobian(_ k: Int) -> [Double] {
            let d = cells[k].inputSize, tau = tapeStep(t, k % dirs)
            var a = [Double](repeating: 0, count: s * d)
            states[k].withUnsafeBufferPointer { st in inputs[k].withUnsafeBufferPointer { x in
                a.withUnsafeMutableBufferPointer { j in gateRows.withUnsafeMutableBufferPointer { gr in unit.withUnsafeMutableBufferPointer { u in
                    cells[k].stateInputJacobian(st.baseAddress! + (tau - 1) * s, x.baseAddress! + (tau - 1) * d, into: j.baseAddress!,
                                                gateRows: gr.baseAddress!, unit: u.baseAddress!, workspace: &workspaces[k])
                } } }
            } }
            return a
        }
        // P^{top}: dirs·S × D_top.
        var width = cells[top * dirs].inputSize
        var p = [Double](repeating: 0, count: n * width)
        for dir in 0..<dirs {
            let a = inputJacobian(top * dirs + dir)
            for r in 0..<s { for c in 0..<width { p[(dir * s + r) * width + c] = a[r * width + c] } }
        }
        var logScale = 0.0, zero = false
        for m in stride(from: top, through: 1, by: -1) {
            let o = outputWidth(m - 1), below = cells[(m - 1) * dirs].inputSize
            var q = [Double](repeating: 0, count: n * n), next = [Double](repeating: 0, count: n * below)
            for dir in 0..<dirs {
                let k = (m - 1) * dirs + dir, r = readouts[k]
                // Q[:, dir's S columns] = P[:, dir's o columns] · C′.
                r.matrix.withUnsafeBufferPointer { c in p.withUnsafeBufferPointer { pp in q.withUnsafeMutableBufferPointer { qq in
                    gemm(.none, .none, m: n, n: s, k: o, pp.baseAddress! + dir * o, lda: width, c.baseAddress!, ldb: s,
                         beta: 0, qq.baseAddress! + dir * s, ldc: n)
                } } }
                guard m - 1 >= 1 else { continue }
                // M = diag(D) + C′A (o × D_{m−1}), then P^{m−1} += P[:, dir's columns] · M.
                var mm = [Double](repeating: 0, count: o * below)
                let a = inputJacobian(k)
                r.matrix.withUnsafeBufferPointer { c in gemm(.none, .none, m: o, n: below, k: s, c.baseAddress!, lda: s, a, ldb: below, beta: 0, &mm, ldc: below) }
                for j in 0..<o { mm[j * below + j] += r.skip[j] }
                p.withUnsafeBufferPointer { pp in
                    gemm(.none, .none, m: n, n: below, k: o, pp.baseAddress! + dir * o, lda: width, mm, ldb: below, beta: 1, &next, ldc: below)
                }
            }
            let lag = top - m + 1
            let fq = nrm2(q)
            if zero || fq == 0 {
                norms.append(LagNorm(lag: lag, spectralLog10: nil, frobeniusLog10: nil))
            } else {
                let sigma = try q.withUnsafeBufferPointer { try svd.compute($0.baseAddress!) }
                norms.append(LagNorm(lag: lag, spectralLog10: log10(sigma) + logScale, frobeniusLog10: log10(fq) + logScale))
            }
            guard m - 1 >= 1, !zero else { continue }
            let f = nrm2(next)
            if f > 0 && f.isFinite { scal(1 / f, &next, count: next.count); logScale += log10(f) } else if f == 0 { zero = true }
            p = next; width = below
        }
        return norms
    }
}
