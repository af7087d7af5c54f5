import ArgumentParser
import Foundation
import Linalg

/// `gradlab-bench product`: the per-step recurrent product C (m × n) += A (m × k) · op(W) with a fixed W,
/// GradLab's packed kernel (W packed once, outside the timing) against OpenBLAS (DGEMM, which packs W
/// on every call; DGEMV for m = 1 as the Unroller calls it), in GFLOP/s. The two are timed alternately
/// in rounds of ≥ `--seconds` each; rates are from the thread's CPU time (other processes' load
/// inflates wall time but not this), the median over rounds.
struct ProductBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "product",
        abstract: "GFLOP/s of the packed recurrent product against OpenBLAS at per-step shapes m,n,k."
    )

    @Option(parsing: .upToNextOption, help: "Shapes m,n,k (m = batch rows, n = columns of C, k = inner size).")
    var shapes: [String] = ["1,64,64", "1,256,256", "2,256,256", "8,256,256", "20,128,128", "32,128,128",
                            "32,256,256", "64,256,256", "8,1024,1024", "32,1024,1024", "64,1024,1024"]
    @Option(help: "Rounds per kernel (alternating); the median is reported.")
    var rounds = 7
    @Option(help: "Minimum CPU seconds per round.")
    var seconds = 0.05
    @Flag(help: "Print a Markdown table.")
    var markdown = false

    func run() throws {
        BLASThreads.set(1)
        let isa = RecurrentProductKernel.PackedISA.best
        emit("product C (m × n) += A (m × k)·Wᵀ, W packed once; packed variant \(isa), OpenBLAS core \(BLASInfo.coreName); \(rounds) rounds alternating, median GFLOP/s (thread CPU time)")
        var table: [String] = []
        for shape in shapes {
            let parts = shape.split(separator: ",").compactMap { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--shapes: '\(shape)' is not m,n,k with positive integers.") }
            let (m, n, k) = (parts[0], parts[1], parts[2])
            let a = PeerInputs.normals(seed: 1, stream: 1, count: m * k, scale: 1)
            let w = PeerInputs.normals(seed: 1, stream: 2, count: n * k, scale: 1 / Double(k).squareRoot())
            var c = [Double](repeating: 0, count: m * n)
            let packed = PackedMatrix(rows: k, cols: n, isa: isa)
            w.withUnsafeBufferPointer { packed.pack($0.baseAddress!, ld: k, transposed: true) }
            let flops = 2 * Double(m) * Double(n) * Double(k)
            let calls: [() -> Void] = [
                {
                    a.withUnsafeBufferPointer { pa in c.withUnsafeMutableBufferPointer { pc in
                        packed.multiply(m: m, pa.baseAddress!, lda: k, accumulate: true, into: pc.baseAddress!, ldc: n)
                    } }
                },
                {
                    a.withUnsafeBufferPointer { pa in w.withUnsafeBufferPointer { pw in c.withUnsafeMutableBufferPointer { pc in
                        if m == 1 {
                            Linalg.gemv(.none, rows: n, cols: k, pw.baseAddress!, pa.baseAddress!, beta: 1, pc.baseAddress!)
                        } else {
                            Linalg.gemm(.none, .transpose, m: m, n: n, k: k, pa.baseAddress!, lda: k, pw.baseAddress!, ldb: k, beta: 1, pc.baseAddress!, ldc: n)
                        }
                    } } }
                },
            ]
            var rates: [[Double]] = [[], []]
            for call in calls { call() }
            for _ in 0..<rounds {
                for (i, call) in calls.enumerated() {
                    var n = 0
                    let start = threadCPUSeconds()
                    var elapsed = 0.0
                    repeat {
                        for _ in 0..<max(1, Int(2e6 / flops)) { call(); n += 1 }
                        elapsed = threadCPUSeconds() - start
                    } while elapsed < seconds
                    rates[i].append(flops * Double(n) / elapsed / 1e9)
                }
            }
            let (p, o) = (median(rates[0]), median(rates[1]))
            let ratios = zip(rates[0], rates[1]).map { $0 / $1 }
            emit(String(format: "%4d × %5d × %5d   packed %6.1f GFLOP/s   OpenBLAS %@ %6.1f GFLOP/s   packed ÷ OpenBLAS %5.2f (per-round %.2f–%.2f)",
                        m, n, k, p, m == 1 ? "DGEMV" : "DGEMM", o, p / o, ratios.min() ?? .nan, ratios.max() ?? .nan))
            table.append(String(format: "| %d × %d × %d | %.1f | %@ %.1f | %.2f (%.2f–%.2f) |", m, n, k, p, m == 1 ? "DGEMV" : "DGEMM", o, p / o,
                                ratios.min() ?? .nan, ratios.max() ?? .nan))
        }
        if markdown {
            emit("\n| m × n × k | packed GFLOP/s | OpenBLAS GFLOP/s | packed ÷ OpenBLAS (per-round range) |\n|---|---|---|---|")
            for line in table { emit(line) }
        }
    }
}
