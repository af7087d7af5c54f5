import Linalg

/// The top principal components of a set of states (rows), for drawing trajectories and fixed points.
///
/// With the rows centred at their mean m, the thin SVD X − 1mᵀ = U Σ Vᵀ gives the directions (rows
/// of Vᵀ) and the fraction of variance each explains, σᵢ² / Σⱼ σⱼ². A state s projects to Vᵀ_k (s − m).
public struct PrincipalComponents: Sendable {
    public let mean: [Double]
    /// k × S, orthonormal rows.
    public let directions: Matrix
    /// σᵢ² / Σⱼ σⱼ², for the k kept components.
    public let explainedVariance: [Double]

    /// The top `count` components of the rows of `states` (at least one row).
    public init(states: Matrix, count: Int) throws {
        let n = states.rows, s = states.cols
        guard n > 0, s > 0 else { throw LinalgError.invalidArgument(operation: "PrincipalComponents", detail: "no states to analyse") }
        var mean = [Double](repeating: 0, count: s)
        for i in 0..<n { for j in 0..<s { mean[j] += states[i, j] } }
        for j in 0..<s { mean[j] /= Double(n) }
        var centred = states
        for i in 0..<n { for j in 0..<s { centred[i, j] -= mean[j] } }
        let svd = try centred.svd()
        let k = Swift.min(count, svd.s.count)
        let total = svd.s.reduce(0) { $0 + $1 * $1 }
        var d = Matrix(rows: k, cols: s)
        for i in 0..<k { for j in 0..<s { d[i, j] = svd.vt[i, j] } }
        self.mean = mean
        directions = d
        explainedVariance = (0..<k).map { total > 0 ? svd.s[$0] * svd.s[$0] / total : 0 }
    }

    /// Vᵀ_k (s − m).
    public func project(_ state: [Double]) -> [Double] {
        (0..<directions.rows).map { i in (0..<mean.count).reduce(0) { $0 + directions[i, $1] * (state[$1] - mean[$1]) } }
    }
}
