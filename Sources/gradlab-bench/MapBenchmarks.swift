import ArgumentParser
import Diagnostics
import Foundation
import Linalg
import Recurrent

/// The autonomous map of peers.py workloads W2 and W3, x_{t+1} = tanh(W x_t) with
/// W ~ N(0, g²/N) (stream 1) and x_0 ~ N(0, 1) (stream 2), as a GradLab vanilla cell with a
/// one-dimensional zero input and no bias.
struct PeerMap {
    let cell: VanillaCell
    let x0: [Double]

    init(n: Int, gain g: Double, seed: Int) throws {
        let w = try Matrix(rows: n, cols: n, elements: PeerInputs.normals(seed: seed, stream: 1, count: n * n, scale: g / Double(n).squareRoot()))
        cell = VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: Matrix(rows: n, cols: 1), hiddenWeight: w,
                                                inputBias: nil, hiddenBias: nil), activation: .tanh)
        x0 = PeerInputs.normals(seed: seed, stream: 2, count: n, scale: 1)
    }
}

/// Parses "N,T" sizes.
func parseSizes(_ sizes: [String]) throws -> [(n: Int, t: Int, text: String)] {
    try sizes.map { size in
        let parts = size.split(separator: ",").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--sizes: '\(size)' is not N,T with positive integers.")
        }
        return (parts[0], parts[1], size)
    }
}

/// Times GradLab (`body` returns checksums by name) and the peers on one workload and size, and prints
/// median/min times, the peer/GradLab ratios and the checksum differences.
func compareWithPeers(workload: String, size: String, gain: Double, common: PeerOptions, checksumKeys: [String],
                      body: () throws -> [String: Double]) throws {
    var checks: [String: Double] = try body()   // warm-up
    var times: [Double] = []
    for _ in 0..<common.reps {
        let start = DispatchTime.now().uptimeNanoseconds
        checks = try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let time = median(times), best = times.min() ?? time
    let shown = checksumKeys.map { "\($0)=\(String(format: "%.12g", checks[$0] ?? .nan))" }.joined(separator: " ")
    emit("\(size.padding(toLength: 12, withPad: " ", startingAt: 0))gradlab      " + String(format: "median %9.4fs  min %9.4fs   ", time, best) + shown)
    for impl in common.peers where impl != "none" {
        do {
            let r = try PeerRunner.run(script: common.peersScript, workload: workload, impl: impl, size: size,
                                       reps: common.reps, threads: common.threads, seed: common.seed,
                                       extra: ["--g", String(gain)])
            let deltas = checksumKeys.map { key in
                "Δ\(key) \(String(format: "%.1e", abs(((r.checksums[key] ?? nil) ?? .nan) - (checks[key] ?? .nan))))"
            }.joined(separator: "  ")
            emit("\(size.padding(toLength: 12, withPad: " ", startingAt: 0))\(impl.padding(toLength: 13, withPad: " ", startingAt: 0))"
                 + String(format: "median %9.4fs  min %9.4fs   peer/gradlab: median %6.2f  min %6.2f   ", r.median, r.min, r.median / time, r.min / best)
                 + deltas)
        } catch {
            emit("\(size) \(impl): \(error)")
        }
    }
}

/// Runs workload `name` of the autonomous map at every "N,T" size: builds the peers' map, then times
/// `body` (GradLab's result as checksums) beside the peers.
func runMapWorkload(_ name: String, sizes: [String], gain g: Double, common: PeerOptions, checksumKeys: [String],
                    body: @escaping (PeerMap, _ n: Int, _ t: Int) throws -> [String: Double]) throws {
    BLASThreads.set(common.threads)
    emit("workload \(name), g = \(g), threads = \(common.threads), reps = \(common.reps)")
    for (n, t, size) in try parseSizes(sizes) {
        let map = try PeerMap(n: n, gain: g, seed: common.seed)
        try compareWithPeers(workload: name, size: size, gain: g, common: common, checksumKeys: checksumKeys) {
            try body(map, n, t)
        }
    }
}

/// Workload W2: the full Lyapunov spectrum (`LyapunovSpectrum`, no transient, Q_0 = I); the peers QR
/// every step.
struct LyapunovBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyapunov",
        abstract: "Full Lyapunov spectrum of x ↦ tanh(W x) (peers.py workload lyapunov: QR every step).",
        discussion: """
        GradLab runs its default (--qr cholesky-qr: one CholeskyQR pass per factorisation; --interval auto: \
        guarded blocks of up to 16 steps) unless told otherwise. --compare times, interleaved in each repetition \
        and without the peers, Householder QR every step with Q formed by dorgqr, the automatic blocks with \
        Householder and a compact Q (dgeqrt + dgemqrt; the default before one-pass CholeskyQR), the automatic \
        blocks with CholeskyQR2, and the default, and prints each one's median, its speed-up over the first \
        and over the second, and max |Δλ_i| against the first.
        """
    )
    @Option(parsing: .upToNextOption, help: "Sizes N,T.")
    var sizes: [String] = ["256,1000"]
    @Option(help: "Gain g of W ~ N(0, g²/N).")
    var g = 1.5
    @Option(help: "QR: cholesky-qr (one pass, GradLab's default), cholesky-qr2 (level-3 BLAS, Householder fallback by their guards) or householder (LAPACK).")
    var qr = "cholesky-qr"
    @Option(help: "Re-orthonormalisation: auto (GradLab's default, guarded blocks) or m (QR every m steps; 1 = the peers' method).")
    var interval = "auto"
    @Flag(help: "Form Q after every QR (dorgqr) instead of applying it compactly by dormqr (the previous method).")
    var explicitQ = false
    @Flag(help: "Time Householder every step with Q formed, auto blocks with Householder (compact Q), CholeskyQR2 and one-pass CholeskyQR, interleaved (no peers).")
    var compare = false
    @Option(help: "With --compare: how many exponents K (default all N; K < N/2 forms Q, as GradLab does there).")
    var count: Int?
    @OptionGroup var common: PeerOptions

    func run() throws {
        let method: QRMethod
        switch qr {
        case "cholesky-qr": method = .choleskyQR
        case "cholesky-qr2": method = .choleskyQR2
        case "householder": method = .householder
        default: throw ValidationError("--qr: '\(qr)' is not cholesky-qr, cholesky-qr2 or householder.")
        }
        let chosen: ReorthonormalizationInterval
        if interval == "auto" { chosen = .automatic } else if let m = Int(interval), m >= 1 { chosen = .every(m) } else {
            throw ValidationError("--interval: '\(interval)' is not auto or a positive integer.")
        }
        if compare { return try compareVariants() }
        emit("QR: \(qr), interval \(interval)" + (method == .householder ? ", Q \(explicitQ ? "formed (dorgqr)" : "compact where it pays (dgeqrt + dgemqrt)")" : ""))
        try runMapWorkload("lyapunov", sizes: sizes, gain: g, common: common,
                           checksumKeys: ["cs_lambda_sum", "lambda_max", "lambda_min", "qr_fallbacks", "qr_count", "rejected_blocks"]) { map, n, t in
            try Self.spectrum(map, n: n, t: t, method: method, interval: chosen, compactFrame: !explicitQ)
        }
    }

    /// `--compare`: per repetition, each variant once in turn (so all see the same machine state).
    private func compareVariants() throws {
        BLASThreads.set(common.threads)
        let variants: [(name: String, interval: ReorthonormalizationInterval, method: QRMethod, compact: Bool)] = [
            ("every step, Householder, Q formed", .every(1), .householder, false), ("auto, Householder, Q compact", .automatic, .householder, true),
            ("auto, CholeskyQR2", .automatic, .choleskyQR2, true), ("auto, CholeskyQR (default)", .automatic, .choleskyQR, true)]
        if let k = count { emit("K = \(k) exponents") }
        for (n, t, size) in try parseSizes(sizes) {
            let map = try PeerMap(n: n, gain: g, seed: common.seed)
            var times = [[Double]](repeating: [], count: variants.count), cpu = times
            var results: [LyapunovSpectrum] = []
            for rep in 0...common.reps {   // rep 0: warm-up
                for (v, variant) in variants.enumerated() {
                    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = threadCPUSeconds()
                    let spectrum = try Self.run(map, n: n, t: t, method: variant.method, interval: variant.interval, compactFrame: variant.compact,
                                                count: min(max(count ?? n, 1), n))
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    if rep == 0 { results.append(spectrum) } else { times[v].append(seconds); cpu[v].append(threadCPUSeconds() - cpuStart) }
                }
            }
            let base = median(times[0]), cpuBase = median(cpu[0]), cpuBefore = median(cpu[1])
            for (v, variant) in variants.enumerated() {
                emit("\(size.padding(toLength: 10, withPad: " ", startingAt: 0))\(variant.name.padding(toLength: 33, withPad: " ", startingAt: 0))"
                     + String(format: "CPU time median %8.4fs  min %8.4fs  speed-up %5.2f  over auto Householder %5.2f (min %5.2f)  fallbacks %d",
                              median(cpu[v]), cpu[v].min() ?? .nan, cpuBase / median(cpu[v]), cpuBefore / median(cpu[v]),
                              (cpu[1].min() ?? .nan) / (cpu[v].min() ?? .nan), results[v].qrFallbacks))
                let dl = zip(results[v].exponents, results[0].exponents).map { abs($0 - $1) }.max() ?? .nan
                let dsum = abs(results[v].exponents.reduce(0, +) - results[0].exponents.reduce(0, +))
                emit("\(size.padding(toLength: 10, withPad: " ", startingAt: 0))\(variant.name.padding(toLength: 33, withPad: " ", startingAt: 0))"
                     + String(format: "median %8.4fs  min %8.4fs  speed-up %5.2f", median(times[v]), times[v].min() ?? .nan, base / median(times[v]))
                     + " (per rep " + zip(times[0], times[v]).map { String(format: "%.2f", $0 / $1) }.joined(separator: ",") + ")"
                     + String(format: "  QRs %5d  refused %3d  longest %2d  max|Δλ| %.1e  |ΔΣλ| %.1e",
                              results[v].qrFactorizations, results[v].rejectedBlocks, results[v].longestBlock, dl, dsum))
            }
        }
    }

    /// The workload on `map` (N = n, T = t).
    static func run(_ map: PeerMap, n: Int, t: Int, method: QRMethod, interval: ReorthonormalizationInterval,
                    compactFrame: Bool, count: Int? = nil) throws -> LyapunovSpectrum {
        var rng = RandomStream(seed: 0)
        var options = LyapunovOptions(count: count ?? n, steps: t, transient: 0)
        options.interval = interval
        options.start = map.x0
        options.qrMethod = method
        options.compactFrame = compactFrame
        return try LyapunovSpectrum(map: map.cell, options: options, rng: &rng)
    }

    /// The workload as checksums (`qr_fallbacks`: steps where a CholeskyQR guard fell back to
    /// Householder; `qr_count`: factorisations; `rejected_blocks`: automatic blocks redone step by step).
    static func spectrum(_ map: PeerMap, n: Int, t: Int, method: QRMethod = LyapunovOptions(count: 1, steps: 1).qrMethod,
                         interval: ReorthonormalizationInterval = .automatic,
                         compactFrame: Bool = true) throws -> [String: Double] {
        let spectrum = try run(map, n: n, t: t, method: method, interval: interval, compactFrame: compactFrame), l = spectrum.exponents
        return ["cs_lambda_sum": l.reduce(0, +), "lambda_max": l.first ?? .nan, "lambda_min": l.last ?? .nan,
                "qr_fallbacks": Double(spectrum.qrFallbacks), "qr_count": Double(spectrum.qrFactorizations),
                "rejected_blocks": Double(spectrum.rejectedBlocks)]
    }
}

/// Workload W3: ln‖∂h_T/∂h_t‖₂ for every t (`BackwardFlow`, all lags, exact top singular value).
struct JacprodBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jacprod",
        abstract: "ln‖∂h_T/∂h_t‖₂ at every lag of x ↦ tanh(W x) (peers.py workload jacprod)."
    )
    @Option(parsing: .upToNextOption, help: "Sizes N,T.")
    var sizes: [String] = ["128,500"]
    @Option(help: "Gain g of W ~ N(0, g²/N).")
    var g = 1.5
    @OptionGroup var common: PeerOptions

    func run() throws {
        try runMapWorkload("jacprod", sizes: sizes, gain: g, common: common,
                           checksumKeys: ["cs_logn_sum", "logn_t0", "logn_tTm1"], body: Self.norms)
    }

    /// The workload on `map` (T = t steps), as checksums.
    static func norms(_ map: PeerMap, n: Int, t: Int) throws -> [String: Double] {
        let traj = try Trajectory(map: map.cell, initialState: map.x0, inputs: Matrix(rows: t, cols: 1))
        let flow = try BackwardFlow(map: map.cell, trajectory: traj, options: .init(jacobianLags: .all))
        // Natural logs at lags 1 … T (the peers' t = T−1 … 0).
        let ln = flow.jacobianNorms.dropFirst().map { ($0.spectralLog10 ?? -.infinity) * log(10.0) }
        return ["cs_logn_sum": ln.reduce(0, +), "logn_t0": ln.last ?? .nan, "logn_tTm1": ln.first ?? .nan]
    }
}
