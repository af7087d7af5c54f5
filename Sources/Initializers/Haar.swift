import Linalg

/// Haar-distributed orthogonal matrices, built exactly as PyTorch's `torch.nn.init.orthogonal_`.
///
/// Draw a rows×cols standard Gaussian G (row by row); if rows < cols use Gᵀ; take the thin QR
/// G = Q·R (Householder); fix signs Q ← Q·diag(sign(r_ii)) with sign(0) = +1 (Mezzadri 2007: without
/// this, Householder QR is biased, e.g. det Q = −1 always for N = 2); transpose back if rows < cols.
/// The result has orthonormal columns (rows ≥ cols) or orthonormal rows (rows < cols); for a square
/// matrix it is Haar on O(N). PyTorch uses `torch.sign`, which maps 0 to 0; r_ii = 0 has probability
/// zero for a Gaussian G, and +1 keeps Q orthogonal if it ever happens.
public func haarOrthogonal(rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
    try orthogonalFactor(of: rng.normalMatrix(rows: rows, cols: cols))
}

/// The sign-fixed orthogonal factor of `g` as `orthogonal_` computes it from its Gaussian draw: thin QR
/// of g (or of gᵀ when g is wide), Q·diag(sign(r_ii)) with sign(0) = +1, transposed back when wide.
public func orthogonalFactor(of g: Matrix) throws -> Matrix {
    let rows = g.rows, cols = g.cols
    let tall = rows >= cols ? g : g.transposed
    let f = try tall.qr()
    var q = f.q
    let signs = f.rDiagonal.map { $0 < 0 ? -1.0 : 1.0 }
    let k = q.cols
    q.withUnsafeMutableBufferPointer { p in
        for i in 0..<(p.count / max(k, 1)) { for j in 0..<k { p[i * k + j] *= signs[j] } }
    }
    return rows >= cols ? q : q.transposed
}
