import Foundation
import Linalg
import Recurrent

/// The log-domain backward sweep of `DepthTimeFlow` over the depth × time lattice, and the depth
/// products. Units k = ℓ·dirs + dir; a unit's tape step τ is t (forward) or T + 1 − t (backward);
/// trajectories are in tape order (row τ of `states` = s_τ, row τ − 1 of `inputs` = x_τ).
struct LatticeSweep {
    let cells: [any RecurrentCell]
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
         contributions: Bool = false, unitMaps: Bool = false) {
        self.cells = cells
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
        let t = steps, top = layers - 1, width = dirs * h
        var adj = [[Double]](repeating: [Double](repeating: 0, count: t * s), count: cells.count)
        var adjLog = [[Double]](repeating: [Double](repeating: -.infinity, count: t), count: cells.count)
        var injection = [[Double]](repeating: [Double](repeating: 0, count: t * h), count: dirs)
        var injectionLog = [[Double]](repeating: [Double](repeating: -.infinity, count: t), count: dirs)
        var acc = [Double](repeating: 0, count: max(s, width)), vin = [Double](repeating: 0, count: width)
        var tmp = [Double](repeating: 0, count: s)
        var factor = [Double](repeating: 0, count: contributionLog10.isEmpty ? 0 : cells[0].weights.gateRows)
        var workspaces = cells.map { $0.makeWorkspace() }
        for layer in stride(from: top, through: 0, by: -1) {
            // Depth (or loss) terms into this layer, per direction and step.
            for dir in 0..<dirs {
                let k = layer * dirs + dir
                for time in 1...t {
                    var accLog = -Double.infinity
                    if layer == top {
                        if time == t {
                            g.withUnsafeBufferPointer { Self.addScaled(&acc, &accLog, $0.baseAddress! + dir * h, count: h, log10Scale: 0) }
                            lossTerm[k][time - 1] = accLog
                        }
                    } else {
                        for dir2 in 0..<dirs {
                            let k2 = (layer + 1) * dirs + dir2, tau = tapeStep(time, dir2), scale = adjLog[k2][time - 1]
                            guard scale > -.infinity else { continue }
                            let d2 = cells[k2].inputSize
                            states[k2].withUnsafeBufferPointer { st in inputs[k2].withUnsafeBufferPointer { x in
                                adj[k2].withUnsafeBufferPointer { u in vin.withUnsafeMutableBufferPointer { o in
                                    cells[k2].inputVJP(st.baseAddress! + (tau - 1) * s, x.baseAddress! + (tau - 1) * d2,
                                                       cotangent: u.baseAddress! + (time - 1) * s, into: o.baseAddress!, workspace: &workspaces[k2])
                                } }
                            } }
                            vin.withUnsafeBufferPointer { v in
                                let slice = v.baseAddress! + dir * h, n = nrm2(slice, count: h)
                                depthTerm[k][time - 1][dir2] = n > 0 ? log10(n) + scale : -.infinity
                                Self.addScaled(&acc, &accLog, slice, count: h, log10Scale: scale)
                            }
                        }
                    }
                    injectionLog[dir][time - 1] = accLog
                    if accLog > -.infinity { for j in 0..<h { injection[dir][(time - 1) * h + j] = acc[j] } }
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
                        for i in 0..<s { tmp[i] = i < h ? injection[dir][(time - 1) * h + i] : 0 }
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
}
