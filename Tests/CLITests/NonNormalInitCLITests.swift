import Testing
import Foundation
import Linalg
import TensorIO
import Initializers

/// `gradlab init` with the non-normal kinds: the flags --diagonal and --off-diagonal reach the spec.
@Suite struct NonNormalInitCLITests {
    @Test func chainAndSchurFromFlagsEqualTheLibrary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nninit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let chain = dir.appendingPathComponent("chain.npy").path, schur = dir.appendingPathComponent("schur.npy").path
        _ = try gradlabOutput(["init", "--kind", "chain", "--gain", "0.6", "--diagonal", "0.5", "--size", "6", "-o", chain])
        _ = try gradlabOutput(["init", "--kind", "schur", "--eigenvalue-moduli", "constant(0.9)", "--off-diagonal", "3",
                               "--size", "6", "--seed", "4", "-o", schur])
        var rng = RandomStream(seed: 0, stream: 0)
        #expect(try TensorArchive.load(chain).tensor(named: nil, file: chain).matrix()
                == (try InitSpec(kind: .chain, gain: 0.6, diagonal: 0.5).make(rows: 6, cols: 6, rng: &rng)))
        var rng4 = RandomStream(seed: 4, stream: 0)
        #expect(try TensorArchive.load(schur).tensor(named: nil, file: schur).matrix()
                == (try InitSpec(kind: .schur, eigenvalueModuli: .constant(0.9), offDiagonal: 3).make(rows: 6, cols: 6, rng: &rng4)))
        let r = try gradlab(["init", "--kind", "gaussian", "--diagonal", "0.5", "--size", "3", "-o", chain])
        #expect(r.status != 0 && r.stderr.contains("--diagonal does not apply to --kind 'gaussian'"), "\(r.stderr)")
    }
}
