import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// How a repeated product C ← C + A·op(W) with a fixed W is computed: by OpenBLAS (which packs op(W)
/// again on every call), or by GradLab's packed kernel (`PackedMatrix`: op(W) packed once, then
/// reused) in one of its instruction-set variants.
///
/// All `packed` variants give bit-identical results (one sequential fused multiply-add chain per
/// element of C); OpenBLAS rounds differently. The choice is a pure function of the CPU and the
/// shape (`automatic`), so every run on one machine computes the same bits.
public enum RecurrentProductKernel: Sendable, Equatable, CustomStringConvertible {
    case openBLAS
    case packed(PackedISA)

    /// The instruction-set variants of GradLab's C kernels: the packed product and `vectorTanh`.
    public enum PackedISA: Sendable, Equatable, CaseIterable, CustomStringConvertible {
        case portable, avx2, avx512

        var c: gl_isa {
            switch self {
            case .portable: GL_ISA_PORTABLE
            case .avx2: GL_ISA_AVX2
            case .avx512: GL_ISA_AVX512
            }
        }

        /// Whether this CPU runs the variant (cpuid).
        public var isSupported: Bool { gl_isa_supported(c) != 0 }

        /// The widest variant this CPU runs.
        public static let best: PackedISA = {
            switch gl_best_isa() {
            case GL_ISA_AVX512: .avx512
            case GL_ISA_AVX2: .avx2
            default: .portable
            }
        }()

        public var description: String {
            switch self {
            case .portable: "portable"
            case .avx2: "avx2"
            case .avx512: "avx512"
            }
        }
    }

    /// The kernel for C (m × n) += A (m × k) · op(W) repeated many times with the same W, chosen by
    /// measurement on an AVX-512 Xeon (docs/linalg.md, "Packed recurrent product"): the packed kernel
    /// whenever the CPU has AVX2 or AVX-512 (it measured 1.3–2.6× OpenBLAS at m = 1 … 64, k, n = 64 …
    /// 1024, and at parity at m = 2); OpenBLAS where only the portable variant would run (plain C,
    /// slower than OpenBLAS's kernels).
    public static func automatic(m: Int, n: Int, k: Int) -> RecurrentProductKernel {
        PackedISA.best == .portable ? .openBLAS : .packed(PackedISA.best)
    }

    public var description: String {
        switch self {
        case .openBLAS: "openblas"
        case .packed(let isa): "packed-\(isa)"
        }
    }
}

/// op(W) (k × n) packed once for many products C (m × n) ← [C +] A (m × k) · op(W) — the recurrent
/// products of BPTT, h_{t−1}·W_hhᵀ forward and δ_t·W_hh backward, T times with the same W_hh.
///
/// Layout (CKernels.h): panels of 16 columns, the last one zero-padded; panel j stores rows 0 … k−1 of
/// columns 16j … 16j + 15 contiguously, row after row (element (r, 16j + c) at 16·k·j + 16·r + c), so
/// the micro-kernel reads one panel row as two 512-bit vectors. Storage: k · 16·⌈n/16⌉ doubles,
/// 64-byte aligned, allocated at `init` and refilled in place by `pack`.
///
/// Arithmetic: each element of C is one sequential fused multiply-add chain over r = 0 … k−1 (from
/// C's value when accumulating, else from 0), whatever the variant and m: bit-identical across the
/// portable, AVX2 and AVX-512 variants and independent of the other rows (a row's result does not
/// depend on the batch it is in). The error bound is that of a dot product: |ĉ − c| ≤ γ_k·Σ_r |a_r·w_r|
/// (+ |c|), γ_k = k·u/(1 − k·u), u = 2⁻⁵³.
public final class PackedMatrix {
    /// k, the rows of op(W) (the inner dimension of the product).
    public let rows: Int
    /// n, the columns of op(W) (the columns of C).
    public let cols: Int
    /// The variant `multiply` runs.
    public let isa: RecurrentProductKernel.PackedISA
    private let storage: UnsafeMutablePointer<Double>
    private let count: Int

    /// Storage for a k × n operand (zero until `pack`). `isa` must be supported by this CPU.
    public init(rows k: Int, cols n: Int, isa: RecurrentProductKernel.PackedISA = .best) {
        precondition(k >= 0 && n >= 0, "PackedMatrix: negative size")
        precondition(isa.isSupported, "PackedMatrix: \(isa) is not supported by this CPU")
        rows = k
        cols = n
        self.isa = isa
        count = max(gl_packed_count(k, n), 1)
        // From 2 MiB on (H ≥ 512), 2 MiB-aligned and advised as transparent huge pages: every step
        // streams the whole packed matrix, and with 4 KiB pages it misses the TLB on every page.
        let bytes = count * MemoryLayout<Double>.stride, huge = 2 << 20
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: bytes >= huge ? huge : 64)
        if bytes >= huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        storage = raw.bindMemory(to: Double.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    deinit { storage.deallocate() }

    /// Packs op(W) (k × n): W row-major with row stride `ld`; `transposed` false: W is k × n,
    /// op(W) = W; true: W is n × k, op(W) = Wᵀ. O(k·n), no allocation.
    public func pack(_ w: UnsafePointer<Double>, ld: Int, transposed: Bool) {
        precondition(ld >= max(1, transposed ? rows : cols), "PackedMatrix.pack: row stride shorter than a row")
        guard rows > 0, cols > 0 else { return }
        gl_pack(rows, cols, w, ld, transposed ? 1 : 0, storage)
    }

    /// C (m × n, row stride ldc) ← [C +] A (m × k, row stride lda) · op(W); `accumulate` false
    /// overwrites C. No allocation.
    @inline(__always)
    public func multiply(m: Int, _ a: UnsafePointer<Double>, lda: Int, accumulate: Bool,
                         into c: UnsafeMutablePointer<Double>, ldc: Int) {
        precondition(m >= 0 && lda >= max(1, rows) && ldc >= max(1, cols), "PackedMatrix.multiply: inconsistent shape")
        gl_packed_gemm(isa.c, m, cols, rows, a, lda, storage, accumulate ? 1 : 0, c, ldc)
    }
}
