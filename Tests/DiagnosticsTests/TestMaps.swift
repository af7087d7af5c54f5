import Foundation
import Linalg
import Recurrent
import COpenBLAS

/// s' = φ(W s + U x) with φ ∈ {identity, tanh, sigmoid}: a minimal closed-form map for testing the
/// diagnostics independently of the cells' own code.
struct TestMap: RecurrentMap {
    enum Phi: Sendable { case linear, tanh, sigmoid }
    let w: Matrix
    let u: Matrix
    let phi: Phi
    var inputSize: Int { u.cols }
    var hiddenSize: Int { w.rows }
    var stateSize: Int { w.rows }

    func makeWorkspace() -> [Double] { [Double](repeating: 0, count: w.rows) }

    private func preactivation(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ z: inout [Double]) {
        let n = w.rows, d = u.cols
        w.withUnsafeBufferPointer { pw in
            u.withUnsafeBufferPointer { pu in
                z.withUnsafeMutableBufferPointer { pz in
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(n), 1, pw.baseAddress, Int32(n), s, 1, 0, pz.baseAddress, 1)
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, pu.baseAddress, Int32(d), x, 1, 1, pz.baseAddress, 1)
                }
            }
        }
    }

    func step(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into next: UnsafeMutablePointer<Double>, workspace z: inout [Double]) {
        preactivation(s, x, &z)
        for i in 0..<w.rows {
            switch phi {
            case .linear: next[i] = z[i]
            case .tanh: next[i] = Foundation.tanh(z[i])
            case .sigmoid: next[i] = 1 / (1 + Foundation.exp(-z[i]))
            }
        }
    }

    func jacobian(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace z: inout [Double]) {
        preactivation(s, x, &z)
        let n = w.rows
        for i in 0..<n {
            let d: Double
            switch phi {
            case .linear: d = 1
            case .tanh: let t = Foundation.tanh(z[i]); d = 1 - t * t
            case .sigmoid: let y = 1 / (1 + Foundation.exp(-z[i])); d = y * (1 - y)
            }
            w.withUnsafeBufferPointer { pw in for k in 0..<n { j[i * n + k] = d * pw[i * n + k] } }
        }
    }
}

/// W_ij ~ N(0, g²/n).
func gaussianWeight(_ n: Int, gain g: Double, seed: UInt64) -> Matrix {
    var rng = RandomStream(seed: seed)
    return rng.normalMatrix(rows: n, cols: n, std: g / Double(n).squareRoot())
}

/// A Haar-ish orthogonal matrix (Q of a Gaussian; the sign convention does not matter here).
func orthogonalWeight(_ n: Int, seed: UInt64) throws -> Matrix {
    var rng = RandomStream(seed: seed)
    return try rng.normalMatrix(rows: n, cols: n).qr().q
}
