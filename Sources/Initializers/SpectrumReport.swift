import Foundation
import Linalg
import Recurrent
import ComplexModule
import RealModule
import TensorIO

/// Spectral facts about one weight matrix W (rows×cols): what `gradlab inspect` prints and what an
/// eigenvalue / singular-value plot needs. One SVD and (square only) one eigen-decomposition.
public struct SpectrumReport: Sendable {
    public let rows: Int
    public let cols: Int
    /// ρ(W) = max |λ_i| (square matrices only).
    public let spectralRadius: Double?
    /// σ_max, σ_min (σ_min is the smallest of the min(rows, cols) singular values).
    public let sigmaMax: Double
    public let sigmaMin: Double
    /// κ = σ_max / σ_min; +∞ when σ_min = 0 (printed as "inf", JSON null).
    public let conditionNumber: Double
    /// ‖W‖_F.
    public let frobeniusNorm: Double
    /// ‖WᵀW − I‖_F (cols×cols): 0 exactly for a matrix with orthonormal columns.
    public let orthogonalityDefect: Double
    /// Eigenvalues in LAPACK order (conjugate pairs adjacent); empty for a non-square matrix.
    public let eigenvalues: [Complex<Double>]
    /// Singular values, descending.
    public let singularValues: [Double]
    /// When W looks like an i.i.d. zero-mean Gaussian matrix (square, |mean| < 0.1·sd, excess kurtosis
    /// within ±0.5): the radius R = 2‖W‖_F/√N of the quarter-circle law its singular values would follow.
    /// The test looks at entries only: a large Haar-orthogonal matrix passes too (its entries are nearly
    /// Gaussian), and the overlay then shows how far its singular values (all equal) are from the law.
    public let quarterCircleRadius: Double?

    public init(_ w: Matrix) throws {
        rows = w.rows
        cols = w.cols
        singularValues = try w.singularValues()
        sigmaMax = singularValues.first ?? 0
        sigmaMin = singularValues.last ?? 0
        conditionNumber = sigmaMin > 0 ? sigmaMax / sigmaMin : .infinity
        frobeniusNorm = w.frobeniusNorm
        var gram = Matrix.identity(w.cols, scale: -1)
        try gemm(.transpose, w, .none, w, beta: 1, into: &gram)
        orthogonalityDefect = gram.frobeniusNorm
        if w.isSquare {
            eigenvalues = try w.eigenvalues()
            spectralRadius = eigenvalues.reduce(0) { max($0, $1.length) }
        } else {
            eigenvalues = []
            spectralRadius = nil
        }
        quarterCircleRadius = w.isSquare && SpectrumReport.looksGaussian(w) ? 2 * frobeniusNorm / Double(w.rows).squareRoot() : nil
    }

    /// Zero mean relative to the spread and a Gaussian's kurtosis (3 ± 0.5), with at least 16 entries.
    static func looksGaussian(_ w: Matrix) -> Bool {
        let x = w.elements, n = Double(x.count)
        guard x.count >= 16 else { return false }
        let mean = x.reduce(0, +) / n
        let m2 = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        guard m2 > 0 else { return false }
        let m4 = x.reduce(0) { $0 + pow($1 - mean, 4) } / n
        return abs(mean) < 0.1 * m2.squareRoot() && abs(m4 / (m2 * m2) - 3) < 0.5
    }
}

/// A report on one tensor of a file: the whole matrix and, for a gated recurrent weight
/// (`weight_hh_l*` of an LSTM or GRU), each gate block separately.
public struct TensorSpectrumReport: Sendable {
    public let name: String
    public let whole: SpectrumReport
    /// The layout used to split the blocks (from the file's `cell` metadata, else inferred from the shape).
    public let layout: CellFamily?
    /// (gate name, report) in row order; empty unless `layout` is LSTM or GRU.
    public let gates: [(name: String, report: SpectrumReport)]

    /// What `gradlab inspect FILE [--tensor NAME]` reports, and what its eigenvalue / singular-value plot
    /// draws: every rank-2 tensor of `file` in file order, or only `tensor`. Errors are one line naming the file.
    public static func reports(file: String, tensor: String? = nil) throws -> [TensorSpectrumReport] {
        let archive = try TensorArchive.load(file)
        return try reports(archive: archive, names: archive.names, tensor: tensor, file: file)
    }

    /// As `reports(file:tensor:)` for the matrices among `names` of a loaded archive (e.g. one module's).
    public static func reports(archive: TensorArchive, names chosen: [String], tensor: String?, file: String) throws -> [TensorSpectrumReport] {
        let wanted = Set(chosen)
        var names = archive.entries.filter { $0.tensor.rank == 2 && wanted.contains($0.name) }.map(\.name)
        if let tensor {
            _ = try archive.tensor(named: tensor, file: file)
            names = [tensor]
        }
        guard !names.isEmpty else {
            let listing = TensorIOError.list(archive.entries.lazy.map { "'\($0.name)' \($0.tensor.shapeDescription)" })
            throw TensorIOError(file: file, problem: "has no matrix (rank-2) tensor; its tensors are \(listing)")
        }
        return try names.map { try TensorSpectrumReport(name: $0, archive: archive, file: file) }
    }

    /// The widest matrix reported: WᵀW of 16,384 columns is 2 GiB of Float64.
    public static let maxColumns = 16_384

    /// Reports on `name` in `archive` (which must be a non-empty matrix of at most `maxColumns` columns).
    /// `file` names it in errors.
    public init(name: String, archive: TensorArchive, file: String) throws {
        let t = try archive.tensor(named: name, file: file)
        try t.checkFinite(name: name, file: file)
        // The report needs the cols×cols Gram matrix WᵀW and an SVD: refuse what has nothing to decompose
        // or what would not fit, before allocating (a header may declare (0, 2⁶¹) with no data at all).
        if t.rank == 2 {
            let (rows, cols) = (t.shape[0], t.shape[1])
            guard rows > 0, cols > 0 else {
                throw TensorIOError(file: file, problem: "tensor '\(name)' of shape \(t.shapeDescription) is empty: no spectrum to report")
            }
            guard cols <= TensorSpectrumReport.maxColumns else {
                throw TensorIOError(file: file, problem: "tensor '\(name)' of shape \(t.shapeDescription) has more than \(TensorSpectrumReport.maxColumns) columns; inspect builds the cols×cols matrix WᵀW (inspect its transpose instead)")
            }
        }
        let w = try t.matrix(name: "\(file): tensor '\(name)'")
        self.name = name
        whole = try SpectrumReport(w)
        var layout: CellFamily? = nil
        // `weight_hh_l1`, or `rnn.weight_hh_l1` in a whole model's state dict.
        if (name.split(separator: ".").last ?? "").hasPrefix("weight_hh_l") {
            if let cell = archive.metadata["cell"] {
                guard let l = CellFamily(rawValue: cell) else {
                    throw InitError("\(file): metadata cell '\(cell)' is not one of rnn, lstm, gru")
                }
                guard w.rows == l.gateCount * w.cols else {
                    throw InitError("\(file): tensor '\(name)' is \(w.shapeDescription) but a \(cell) weight_hh is \(l.gateCount)·H×H")
                }
                layout = l
            } else {
                layout = CellFamily(inferringFromRows: w.rows, cols: w.cols)
            }
        }
        self.layout = layout
        var gates: [(String, SpectrumReport)] = []
        if let layout, layout != .rnn {
            let h = w.cols
            for (k, g) in layout.gateNames.enumerated() {
                gates.append((g, try SpectrumReport(try w.rows(k * h..<(k + 1) * h))))
            }
        }
        self.gates = gates
    }
}
