import ArgumentParser
import Foundation
import Linalg
import Recurrent

/// `gradlab-bench all`: every row of issue 21's table in one invocation — BPTT at four sizes, the
/// Lyapunov spectrum, the Jacobian-product norms and two training sizes — each timed in GradLab and
/// then in every peer (row by row, so peers and GradLab see the same machine state), with the
/// limits measured here: DGEMM/DGEMV at each row's shapes and DGEMM at n = 2048, one BLAS thread.
///
/// Per row: times are medians over `--rounds` repetitions (after a warm-up); ratio = fastest peer ÷
/// GradLab; GFLOP/s = the row's model flop count (below) ÷ GradLab's median; "% of limit" divides that
/// by the BLAS rate at the row's dominant shape. Model flops (multiply-add = 2):
/// - bptt (H, T, B), D = 32: T·B·(4HD + 6H²) — input projection and ∂L/∂W_ih (2·2HD), the recurrent
///   product forward and backward and ∂L/∂W_hh (3·2H²); limit: the BLAS bound of the algorithm, i.e.
///   the time its BLAS calls take at rates measured at their own shapes — per step the two recurrent
///   products at DGEMV H × H (B = 1) or DGEMM (B × H)·(H × H), once ∂L/∂W_hh at DGEMM (H × TB)·(TB × H)
///   and the input work at DGEMM (TB × D)·(D × H) — as an effective GFLOP/s (element-wise work such as
///   tanh is outside it, so 100% is out of reach).
/// - lyapunov (N, T): T·(2 + 8/3)·N³ — J·Q and a Householder QR with Q formed (4/3 N³ each); limit
///   DGEMM N × N × N.
/// - jacprod (N, T): T·2N³ — one N × N product per lag; limit DGEMM N × N × N.
/// - train (H, T, B, N), D = 2: N·T·B·(8H + 6H²); limit DGEMM (B × H)·(H × H).
struct AllBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every row of the standard table with the peers interleaved, the measured BLAS limits and the CPU/kernel in use."
    )

    @Option(parsing: .upToNextOption, help: "Peers of the BPTT, Lyapunov and Jacobian rows (numpy, jax, torch); training rows use PyTorch when torch is listed.")
    var peers: [String] = ["numpy", "jax", "torch"]
    @Option(help: "Timed repetitions per row and implementation (after one warm-up); medians are reported.")
    var rounds = 3
    @Option(help: "Seed of the peers' input generator.")
    var seed = 42
    @Option(help: "The peers' script.")
    var peersScript = "/work/shared/bench/peers.py"
    @Option(help: "The PyTorch training peer.")
    var trainingPeerScript = "scripts/bench_training_peer.py"
    @Flag(help: "Print the table as Markdown (for docs/performance.md).")
    var markdown = false

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1.") }
        let known = ["numpy", "jax", "torch", "none"]
        if let bad = peers.first(where: { !known.contains($0) }) { throw ValidationError("--peers: '\(bad)' is not one of \(known.joined(separator: ", ")).") }
    }

    struct Row {
        var name: String
        var gradlab: Double
        var peers: [String: Double] = [:]
        var flops: Double
        var limitName: String
        var limit: Double   // GFLOP/s
    }

    func run() throws {
        BLASThreads.set(1)
        let started = Date()
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        emit("machine: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) CPUs; OpenBLAS core \(BLASInfo.coreName) (\(BLASInfo.configuration)); load average \(load); 1 BLAS thread; \(rounds) rounds (medians)")
        let peak = BLASRate.gemm(m: 2048, n: 2048, k: 2048)
        emit(String(format: "limit: DGEMM n = 2048: %.1f GFLOP/s", peak))
        var rows: [Row] = []
        let common = ["--reps", String(rounds), "--seed", String(seed), "--threads", "1", "--peers", "none"]

        for (h, t, b) in [(64, 1000, 1), (256, 1000, 1), (256, 1000, 32), (1024, 200, 8)] {
            let bench = try BPTTBenchmark.parse(["--sizes", "\(h),\(t),\(b)"] + common)
            let (times, _) = try bench.timeGradLab(h: h, t: t, b: b, budget: try MemoryBudget(parsing: bench.memoryBudget))
            // The BLAS bound of this algorithm: its BLAS calls at the rates measured at their own shapes —
            // per step W_hh·h and W_hhᵀ·δ (B × H · H × H, a DGEMV for B = 1), once ∂W_hh = Σ_t δ_t h_{t−1}ᵀ
            // (H × TB · TB × H), once W_ih X and ∂W_ih (TB × D · D × H, D = 32) — as an effective rate.
            let tb = Double(t * b), hh = Double(h * h), hd = Double(h * 32)
            let stepRate = b == 1 ? BLASRate.gemv(rows: h, cols: h) : BLASRate.gemm(m: b, n: h, k: h)
            let weightRate = BLASRate.gemm(m: h, n: h, k: t * b), inputRate = BLASRate.gemm(m: t * b, n: h, k: 32)
            let flops = tb * (4 * hd + 6 * hh)
            let boundSeconds = (tb * 4 * hh / stepRate + tb * 2 * hh / weightRate + tb * 4 * hd / inputRate) / 1e9
            let limitName = String(format: "BLAS bound (per step %@ %.1f, ∂W_hh %.1f)", b == 1 ? "DGEMV" : "DGEMM", stepRate, weightRate)
            var row = Row(name: "BPTT (H,T,B) = (\(h),\(t),\(b))", gradlab: median(times),
                          flops: flops, limitName: limitName, limit: flops / boundSeconds / 1e9)
            row.peers = peerTimes(workload: "bptt", size: "\(h),\(t),\(b)", impls: peers)
            rows.append(row); report(row)
        }
        for (workload, n, t) in [("lyapunov", 256, 1000), ("jacprod", 128, 500)] {
            let map = try PeerMap(n: n, gain: 1.5, seed: seed)
            func body(_ map: PeerMap, _ n: Int, _ t: Int) throws -> [String: Double] {
                workload == "lyapunov" ? try LyapunovBenchmark.spectrum(map, n: n, t: t) : try JacprodBenchmark.norms(map, n: n, t: t)
            }
            _ = try body(map, n, t)   // warm-up
            var times: [Double] = []
            for _ in 0..<rounds { times.append(try seconds { _ = try body(map, n, t) }) }
            let nn = Double(n)
            var row = Row(name: workload == "lyapunov" ? "Lyapunov spectrum N = \(n), T = \(t)" : "ln‖∂h_T/∂h_t‖₂ every lag, N = \(n), T = \(t)",
                          gradlab: median(times), flops: Double(t) * (workload == "lyapunov" ? (2 + 8.0 / 3) : 2) * nn * nn * nn,
                          limitName: "DGEMM \(n)³", limit: BLASRate.gemm(m: n, n: n, k: n))
            row.peers = peerTimes(workload: workload, size: "\(n),\(t)", impls: peers, extra: ["--g", "1.5"])
            rows.append(row); report(row)
        }
        for (h, t, b, iterations) in [(128, 50, 20, 20), (128, 200, 32, 10)] {
            let bench = try TrainingBenchmark.parse(["--sizes", "\(h),\(t),\(b),\(iterations)", "--reps", String(rounds),
                                                     "--seed", String(seed), "--peer-script", "none"])
            let (times, _, _, _) = try bench.timeGradLab(h: h, t: t, b: b, n: iterations)
            var row = Row(name: "train (H,T,B) = (\(h),\(t),\(b)), \(iterations) it", gradlab: median(times),
                          flops: Double(iterations * t * b) * Double(8 * h + 6 * h * h),
                          limitName: "DGEMM \(b)×\(h)·\(h)×\(h)", limit: BLASRate.gemm(m: b, n: h, k: h))
            if peers.contains("torch") {
                if let r = try? PeerRunner.run(script: trainingPeerScript, workload: "train", impl: "torch", size: "\(h),\(t),\(b),\(iterations)",
                                               reps: rounds, threads: 1, seed: seed) {
                    row.peers["torch"] = r.median
                } else {
                    emit("train \(h),\(t),\(b),\(iterations) torch: failed")
                }
            }
            rows.append(row); report(row)
        }
        emit(String(format: "whole run: %.0f s", Date().timeIntervalSince(started)))
        emit("")
        for line in table(rows, peak: peak) { emit(line) }
    }

    /// Each peer's median on one row (missing when the peer failed; the failure is printed).
    func peerTimes(workload: String, size: String, impls: [String], extra: [String] = []) -> [String: Double] {
        var out: [String: Double] = [:]
        for impl in impls where impl != "none" {
            do {
                out[impl] = try PeerRunner.run(script: peersScript, workload: workload, impl: impl, size: size,
                                               reps: rounds, threads: 1, seed: seed, extra: extra).median
            } catch {
                emit("\(workload) \(size) \(impl): \(error)")
            }
        }
        return out
    }

    func report(_ row: Row) {
        let peers = row.peers.sorted { $0.key < $1.key }.map { "\($0.key) \(timeText($0.value))" }.joined(separator: ", ")
        emit("\(row.name): gradlab \(timeText(row.gradlab))" + (peers.isEmpty ? "" : "; \(peers)"))
    }

    /// The table: GradLab's median, each peer's, the fastest peer and the ratio, GradLab's rate and its
    /// share of the row's limit and of DGEMM at n = 2048.
    func table(_ rows: [Row], peak: Double) -> [String] {
        let impls = peers.filter { $0 != "none" }
        var lines: [String] = []
        let header = ["workload", "GradLab"] + impls + ["fastest peer", "ratio", "GradLab GFLOP/s", "limit (GFLOP/s)", "% of limit", "% of DGEMM 2048"]
        var body: [[String]] = []
        for r in rows {
            let fastest = r.peers.min { $0.value < $1.value }
            let rate = r.flops / r.gradlab / 1e9
            body.append([r.name, timeText(r.gradlab)] + impls.map { r.peers[$0].map(timeText) ?? "–" }
                        + [fastest?.key ?? "–", fastest.map { String(format: "%.2f", $0.value / r.gradlab) } ?? "–",
                           String(format: "%.1f", rate), String(format: "%@ %.1f", r.limitName, r.limit),
                           String(format: "%.0f%%", 100 * rate / r.limit), String(format: "%.0f%%", 100 * rate / peak)])
        }
        if markdown {
            lines.append("| " + header.joined(separator: " | ") + " |")
            lines.append("|" + String(repeating: "---|", count: header.count))
            for b in body { lines.append("| " + b.joined(separator: " | ") + " |") }
        } else {
            let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            }
            lines.append(line(header))
            for b in body { lines.append(line(b)) }
        }
        lines.append("ratio = fastest peer ÷ GradLab (> 1: GradLab faster); limits measured in this run, 1 BLAS thread.")
        return lines
    }

    func timeText(_ s: Double) -> String { s < 1 ? String(format: "%.2f ms", s * 1000) : String(format: "%.2f s", s) }

    func cpuModel() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?" } ?? "unknown CPU"
    }
}

/// BLAS rates (GFLOP/s) measured on this machine at given shapes: repeated calls for ≥ 0.2 s, the
/// median of three such runs.
enum BLASRate {
    static func gemm(m: Int, n: Int, k: Int) -> Double {
        let a = PeerInputs.normals(seed: 1, stream: 1, count: m * k, scale: 1), b = PeerInputs.normals(seed: 1, stream: 2, count: k * n, scale: 1)
        var c = [Double](repeating: 0, count: m * n)
        return rate(flops: 2 * Double(m) * Double(n) * Double(k)) {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                Linalg.gemm(.none, .none, m: m, n: n, k: k, pa.baseAddress!, lda: k, pb.baseAddress!, ldb: n, beta: 0, pc.baseAddress!, ldc: n)
            } } }
        }
    }

    static func gemv(rows: Int, cols: Int) -> Double {
        let a = PeerInputs.normals(seed: 1, stream: 1, count: rows * cols, scale: 1), x = PeerInputs.normals(seed: 1, stream: 2, count: cols, scale: 1)
        var y = [Double](repeating: 0, count: rows)
        return rate(flops: 2 * Double(rows) * Double(cols)) {
            a.withUnsafeBufferPointer { pa in x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
                Linalg.gemv(.none, rows: rows, cols: cols, pa.baseAddress!, px.baseAddress!, beta: 0, py.baseAddress!)
            } } }
        }
    }

    private static func rate(flops: Double, _ call: () -> Void) -> Double {
        call()
        var rates: [Double] = []
        for _ in 0..<3 {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                for _ in 0..<max(1, Int(1e7 / flops)) { call(); calls += 1 }
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            } while elapsed < 0.2
            rates.append(flops * Double(calls) / elapsed / 1e9)
        }
        return median(rates)
    }
}
