import Foundation
import Linalg
import Recurrent
import Testing
@testable import Diagnostics

/// `Theory.lruUnitGradientLog10`: the LRU's closed form |∂h_{T,j}/∂h_{t,j}| = |λ_j|^k per complex unit,
/// against the product of the cell's dense one-step Jacobians along a driven trajectory (the 2 × 2 block
/// of unit j is |λ_j|^k times a rotation: its Frobenius norm / √2), to 1e-12 relative; the blocks
/// between units are 0.
@Suite struct LRUTheoryTests {
    @Test(arguments: [1, 17, 150])
    func closedFormPerUnitMatchesJacobianProducts(k: Int) throws {
        var rng = RandomStream(seed: 31)
        let n = 5, d = 2
        let model = try RecurrentModel.initialized(cell: .lru, inputSize: d, hiddenSize: n, headSize: nil, rng: &rng)
        let cell = model.makeCell()
        var ws = cell.makeWorkspace()
        let m = 2 * n
        var s = rng.normals(m), next = [Double](repeating: 0, count: m), j = [Double](repeating: 0, count: m * m)
        var product = Matrix.identity(m)
        for _ in 0..<k {
            let x = rng.normals(d)
            j.withUnsafeMutableBufferPointer { cell.jacobian(s, x, into: $0.baseAddress!, workspace: &ws) }
            next.withUnsafeMutableBufferPointer { cell.step(s, x, into: $0.baseAddress!, workspace: &ws) }
            product = try matmul(Matrix(rows: m, cols: m, elements: j), product)
            s = next
        }
        let closed = Theory.lruUnitGradientLog10(lag: k, rotation: cell.weights.recurrentRotation ?? [])
        #expect(closed.count == n)
        for a in 0..<n {
            let block = [product[a, a], product[a, n + a], product[n + a, a], product[n + a, n + a]]
            let measured = (block.reduce(0) { $0 + $1 * $1 } / 2).squareRoot()
            let predicted = Foundation.pow(10, closed[a])
            #expect(abs(measured - predicted) <= 1e-12 * predicted, "unit \(a): \(measured) vs \(predicted)")
            for b in 0..<n where b != a {
                #expect(product[a, b] == 0 && product[a, n + b] == 0 && product[n + a, b] == 0 && product[n + a, n + b] == 0)
            }
        }
        // ‖∂h_T/∂h_t‖₂ = max_j |λ_j|^k: the spectral norm of the product.
        let sigma = try product.spectralNorm()
        #expect(abs(sigma - Foundation.pow(10, closed.max()!)) <= 1e-12 * sigma)
    }
}
