import COpenBLAS
import ComplexModule
import RealModule

extension Matrix {
    /// ‖A‖_F = sqrt(Σ a_ij²), computed by dnrm2 over the storage (scaled: no spurious overflow or underflow).
    public var frobeniusNorm: Double { withUnsafeBufferPointer { cblas_dnrm2(Int32(count), $0.baseAddress, 1) } }

    /// max |a_ij| (0 for an empty matrix).
    public var maxAbs: Double { withUnsafeBufferPointer { $0.reduce(0) { max($0, abs($1)) } } }

    /// ‖A‖₂ = σ_max(A), the largest singular value (0 for an empty matrix).
    public func spectralNorm() throws -> Double { try singularValues().first ?? 0 }

    /// ρ(A) = max |λ_i(A)|, the spectral radius of a square matrix.
    public func spectralRadius() throws -> Double {
        try eigenvalues().reduce(0) { max($0, $1.length) }
    }
}
