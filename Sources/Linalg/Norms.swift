import COpenBLAS
import ComplexModule
import RealModule

extension Matrix {
    /// ‖A‖_F = sqrt(Σ a_ij²), computed by dnrm2 over the storage (scaled: no spurious overflow or underflow).
    public var frobeniusNorm: Double { withUnsafeBufferPointer { cblas_dnrm2(Int32(count), $0.baseAddress, 1) } }

    /// ‖A‖_F with NaN and ∞ propagated explicitly (dnrm2 implementations may skip NaNs): NaN if any
    /// entry is NaN, else +∞ if any is ±∞.
    public var frobeniusNormPropagatingNonFinite: Double {
        if isFinite { return frobeniusNorm }
        return withUnsafeBufferPointer { p in p.contains { $0.isNaN } ? .nan : .infinity }
    }

    /// max |a_ij| (0 for an empty matrix).
    public var maxAbs: Double { withUnsafeBufferPointer { $0.reduce(0) { max($0, abs($1)) } } }

    /// ‖A‖₂ = σ_max(A), the largest singular value (0 for an empty matrix).
    public func spectralNorm() throws -> Double { try singularValues().first ?? 0 }

    /// ρ(A) = max |λ_i(A)|, the spectral radius of a square matrix.
    public func spectralRadius() throws -> Double {
        try eigenvalues().reduce(0) { max($0, $1.length) }
    }
}

/// √(Σ_i ‖T_i‖_F²), the global norm of several tensors (`torch.nn.utils.clip_grad_norm_`'s total norm
/// with norm_type 2): NaN if any entry is NaN, else +∞ if any is ±∞; scaled (no spurious overflow);
/// 0 for no tensors.
public func globalNorm(_ tensors: [Matrix]) -> Double {
    let norms = tensors.map(\.frobeniusNormPropagatingNonFinite)
    if norms.contains(where: \.isNaN) { return .nan }
    if norms.contains(where: \.isInfinite) { return .infinity }
    return nrm2(norms)
}
