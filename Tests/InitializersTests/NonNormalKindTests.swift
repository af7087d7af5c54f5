import Testing
import Foundation
import Linalg
import ComplexModule
@testable import Initializers

/// The non-normal kinds `chain` and `schur`: eigenvalues as prescribed, powers that grow before they decay.
@Suite("Non-normal kinds")
struct NonNormalKindTests {
    /// W = d·I + α·S exactly: d on the diagonal, α on the first subdiagonal, 0 elsewhere.
    @Test func chainIsDiagonalPlusScaledShift() throws {
        var rng = RandomStream(seed: 1)
        let w = try InitSpec(kind: .chain, gain: 2.5, diagonal: 0.6).make(rows: 7, cols: 7, rng: &rng)
        for i in 0..<7 { for j in 0..<7 { #expect(w[i, j] == (i == j ? 0.6 : i == j + 1 ? 2.5 : 0)) } }
        for l in try w.eigenvalues() { #expect(abs(l.real - 0.6) < 1e-3 && abs(l.imaginary) < 1e-3) } // a defective eigenvalue: LAPACK resolves it only to ε^{1/n}
        let nilpotent = try InitSpec(kind: .chain).make(rows: 5, cols: 5, rng: &rng)
        var p = Matrix.identity(5)
        for _ in 0..<5 { p = try matmul(nilpotent, p) }
        #expect(p.elements.allSatisfy { $0 == 0 })
    }

    /// Q·(D + N)·Qᵀ keeps D's eigenvalues: every modulus is the prescribed one, while ‖W‖₂ is far above it.
    @Test(arguments: [0.9, 0.5])
    func schurHasThePrescribedModuliAndIsNonNormal(r: Double) throws {
        var rng = RandomStream(seed: 2)
        let w = try InitSpec(kind: .schur, eigenvalueModuli: .constant(r), offDiagonal: 3).make(rows: 24, cols: 24, rng: &rng)
        for l in try w.eigenvalues() { #expect(abs(l.length - r) < 1e-8) }
        #expect(try w.spectralNorm() > 2 * r)
        let wwt = try matmul(w, w, transB: .transpose), wtw = try matmul(w, w, transA: .transpose)
        #expect(try wwt.adding(wtw, scaledBy: -1).frobeniusNorm > 1)
        let normal = try InitSpec(kind: .schur, eigenvalueModuli: .constant(r), offDiagonal: 0).make(rows: 24, cols: 24, rng: &rng)
        #expect(abs(try normal.spectralNorm() - r) < 1e-12)
    }

    @Test func keysAreCheckedPerKind() throws {
        #expect(throws: InitError.self) { try InitSpec(kind: .gaussian, diagonal: 0.5).validate() }
        #expect(throws: InitError.self) { try InitSpec(kind: .chain, offDiagonal: 1).validate() }
        let e = #expect(throws: InitError.self) { try InitSpec(kind: .schur).validate() }
        #expect(e?.message.hasPrefix("kind 'schur' needs eigenvalue_moduli") == true)
        #expect(throws: InitError.self) { try InitSpec(kind: .schur, eigenvalueModuli: .constant(0.9), offDiagonal: -1).validate() }
        var rng = RandomStream(seed: 3)
        #expect(throws: InitError.self) { try InitSpec(kind: .chain).make(rows: 3, cols: 4, rng: &rng) }
        try InitSpec(kind: .schur, eigenvalueModuli: .constant(0.9), eigenvaluePhases: .constant(0.3), offDiagonal: 2).validate()
    }
}
