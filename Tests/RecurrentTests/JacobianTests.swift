import Linalg
import Testing
@testable import Recurrent

/// Closed-form one-step Jacobians and vector–Jacobian products against finite differences of `step`.
@Suite struct JacobianTests {
    static func setup(_ cell: CellKind, seed: UInt64) throws -> (any RecurrentCell, [Double], [Double]) {
        var rng = RandomStream(seed: seed, stream: 3)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: 5, headSize: nil, rng: &rng)
        var m = model
        try m.setTensors(model.parameters.tensors.map { $0.scaled(by: 2) })
        return (m.makeCell(), rng.normals(m.stateSize, std: 0.7), rng.normals(3))
    }

    @Test(arguments: allCells)
    func closedFormMatchesFiniteDifferences(cell: CellKind) throws {
        let (c, s, x) = try Self.setup(cell, seed: 1)
        try check(c, s, x)
    }

    private func check<C: RecurrentCell>(_ c: C, _ s: [Double], _ x: [Double]) throws {
        let n = c.stateSize
        #expect(n == s.count)
        var ws = c.makeWorkspace()
        var j = [Double](repeating: 0, count: n * n)
        j.withUnsafeMutableBufferPointer { jp in c.jacobian(s, x, into: jp.baseAddress!, workspace: &ws) }
        // Column b of J by central differences of step(·, x) in s_b.
        for b in 0..<n {
            var column = [Double](repeating: 0, count: n)
            for a in 0..<n {
                column[a] = centralDifferences([s[b]]) { v in
                    var sp = s; sp[b] = v[0]
                    var out = [Double](repeating: 0, count: n)
                    out.withUnsafeMutableBufferPointer { c.step(sp, x, into: $0.baseAddress!, workspace: &ws) }
                    return out[a]
                }[0]
            }
            let exact = (0..<n).map { j[$0 * n + b] }
            #expect(maxAbsDifference(exact, column) < 1e-9, "column \(b)")
        }
        // VJP: Jᵀu without forming J.
        var rng = RandomStream(seed: 9)
        let u = rng.normals(n)
        var v = [Double](repeating: 0, count: n)
        v.withUnsafeMutableBufferPointer { c.vjp(s, x, cotangent: u, into: $0.baseAddress!, workspace: &ws) }
        let jtu = (0..<n).map { b in (0..<n).reduce(0) { $0 + j[$1 * n + b] * u[$1] } }
        #expect(maxAbsDifference(v, jtu) < 1e-13)
    }

    /// The vanilla cell's Jacobian is exactly diag(φ'(z))·W_hh.
    @Test func vanillaJacobianIsDiagonalTimesWeight() throws {
        var rng = RandomStream(seed: 4)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 3, headSize: nil, rng: &rng)
        let cell = VanillaCell(weights: model.cellWeights, activation: .tanh)
        let s = rng.normals(3), x = rng.normals(2)
        var ws = cell.makeWorkspace()
        var j = [Double](repeating: 0, count: 9), h = [Double](repeating: 0, count: 3)
        j.withUnsafeMutableBufferPointer { cell.jacobian(s, x, into: $0.baseAddress!, workspace: &ws) }
        h.withUnsafeMutableBufferPointer { cell.step(s, x, into: $0.baseAddress!, workspace: &ws) }
        let w = model.parameters[ParameterName.weightHH]!
        for a in 0..<3 { for b in 0..<3 { #expect(abs(j[a * 3 + b] - (1 - h[a] * h[a]) * w[a, b]) < 1e-15) } }
    }
}
