import ArgumentParser
import Foundation
import Linalg
import Recurrent

/// Workload W1 of peers.py: vanilla tanh RNN, D = 32, h_0 = 0, L = 0.5·Σ_b (W_hy h_T^b)²;
/// ∂L/∂W_xh, ∂L/∂W_hh, ∂L/∂b, ∂L/∂W_hy and gnorm[t−1] = ‖∂L/∂H_t‖_F (over batch and units).
/// GradLab runs it through `Unroller` (tape allocated once, reused across repetitions) in adjoint
/// mode: ∂L/∂h_T^b = y_b·W_hy.
struct BPTTBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bptt",
        abstract: "Vanilla tanh forward + full BPTT with per-step ‖∂L/∂h_t‖ (peers.py workload bptt)."
    )

    @Option(parsing: .upToNextOption, help: "Sizes H,T,B.")
    var sizes: [String] = ["64,1000,1", "256,1000,1", "256,1000,32", "1024,200,8"]
    @Option(help: "Input dimension D.")
    var inputSize = 32
    @Option(help: "W_hh: dense (the peers' workload), diagonal (IndRNN's u ⊙ h, element-wise path; u_j = tanh(√H·W_hh[j, j]) ∈ (−1, 1)), or diagonal-as-dense (the same diag(u) through the dense gemm path). Peers run only for dense.")
    var recurrence = "dense"
    @Option(help: "Per-step products with W_hh: auto (RecurrentProductKernel.automatic), openblas, packed (GradLab's packed kernel, widest variant), or both (OpenBLAS and packed alternately, repetition by repetition, on the same inputs: medians and the ratio). Full tape only; a checkpointed run takes auto.")
    var kernel = "auto"
    @Option(help: "Memory budget of the BPTT tape (e.g. 1GiB, 200MB): above it GradLab checkpoints every ⌈√T⌉ steps and recomputes segments (the peers always keep the whole tape).")
    var memoryBudget = MemoryBudget.standard.description
    @OptionGroup var common: PeerOptions

    func run() throws {
        BLASThreads.set(common.threads)
        guard ["dense", "diagonal", "diagonal-as-dense"].contains(recurrence) else {
            throw ValidationError("--recurrence: '\(recurrence)' is not dense, diagonal or diagonal-as-dense.")
        }
        let budget = try MemoryBudget(parsing: memoryBudget)
        let kernels: [RecurrentProductKernel?]
        switch kernel {
        case "auto": kernels = [nil]
        case "openblas": kernels = [.openBLAS]
        case "packed": kernels = [.packed(.best)]
        case "both": kernels = [.openBLAS, .packed(.best)]
        default: throw ValidationError("--kernel: '\(kernel)' is not auto, openblas, packed or both.")
        }
        emit("workload bptt, D = \(inputSize), threads = \(common.threads), reps = \(common.reps) (median), tape reused, W_hh \(recurrence), memory budget \(budget)")
        for size in sizes {
            let parts = size.split(separator: ",").compactMap { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--sizes: '\(size)' is not H,T,B with positive integers.")
            }
            let (h, t, b) = (parts[0], parts[1], parts[2])
            let runs = try timeGradLab(h: h, t: t, b: b, budget: budget, kernels: kernels)
            for (times, checks) in runs {
                let time = median(times), best = times.min() ?? time
                emit(pad(size, 12) + pad(checks.kernel, 16) + String(format: "median %9.4fs  min %9.4fs   loss=%.12g gnorm_sum=%.12g gnorm_first=%.6g gnorm_last=%.12g",
                             time, best, checks.loss, checks.gnormSum, checks.gnormFirst, checks.gnormLast)
                     + "   \(checks.strategy.name)" + (peakResidentMiB().map { String(format: ", peak RSS so far %.1f MiB", $0) } ?? ""))
            }
            if runs.count == 2 {
                let (a, b) = (runs[0], runs[1])
                let perRep = zip(a.0, b.0).map { $0 / $1 }
                emit(pad(size, 12) + String(format: "%@ ÷ %@: ratio of medians %.3f, median of per-repetition ratios %.3f (min %.3f, max %.3f)   |Δloss| %.1e  |Δgnorm_sum| %.1e",
                                            a.1.kernel, b.1.kernel, median(a.0) / median(b.0), median(perRep), perRep.min() ?? .nan, perRep.max() ?? .nan,
                                            abs(a.1.loss - b.1.loss), abs(a.1.gnormSum - b.1.gnormSum)))
            }
            let (times, checks) = runs[runs.count - 1]
            let time = median(times), best = times.min() ?? time
            for impl in common.peers where impl != "none" && recurrence == "dense" {
                do {
                    let r = try PeerRunner.run(script: common.peersScript, workload: "bptt", impl: impl, size: size,
                                               reps: common.reps, threads: common.threads, seed: common.seed)
                    let loss = (r.checksums["loss"] ?? nil) ?? .nan
                    let gsum = (r.checksums["cs_gnorm_sum"] ?? nil) ?? .nan
                    let first = (r.checksums["gnorm_first"] ?? nil) ?? .nan
                    emit(pad(size, 12) + pad(impl, 13) + String(format: "median %9.4fs  min %9.4fs   peer/gradlab: median %6.2f  min %6.2f   Δloss %.1e  Δgnorm_sum %.1e  gnorm_first=%.6g",
                                 r.median, r.min, r.median / time, r.min / best, abs(loss - checks.loss), abs(gsum - checks.gnormSum), first))
                } catch {
                    emit("\(size) \(impl): \(error)")
                }
            }
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    struct Checks { var loss = 0.0, gnormSum = 0.0, gnormFirst = 0.0, gnormLast = 0.0, strategy = BPTTStrategy.fullTape, kernel = "gradlab" }

    /// VmHWM of /proc/self/status (the process's peak resident set), in MiB; nil where there is none.
    func peakResidentMiB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib / 1024
    }

    /// The timed repetitions (seconds) and the checksums of the last one.
    func timeGradLab(h: Int, t: Int, b: Int, budget: MemoryBudget) throws -> ([Double], Checks) {
        try timeGradLab(h: h, t: t, b: b, budget: budget, kernels: [nil])[0]
    }

    /// The timed repetitions and checksums per recurrent-product kernel (nil: automatic), the kernels
    /// timed alternately repetition by repetition.
    func timeGradLab(h: Int, t: Int, b: Int, budget: MemoryBudget, kernels: [RecurrentProductKernel?]) throws -> [([Double], Checks)] {
        let d = inputSize, seed = common.seed
        let wxh = try Matrix(rows: h, cols: d, elements: PeerInputs.normals(seed: seed, stream: 1, count: h * d, scale: 1 / Double(d).squareRoot()))
        let whh = try Matrix(rows: h, cols: h, elements: PeerInputs.normals(seed: seed, stream: 2, count: h * h, scale: 1 / Double(h).squareRoot()))
        let bias = PeerInputs.normals(seed: seed, stream: 3, count: h, scale: 0.1)
        let why = PeerInputs.normals(seed: seed, stream: 4, count: h, scale: 1 / Double(h).squareRoot())
        let x = PeerInputs.normals(seed: seed, stream: 5, count: t * b * d, scale: 1)   // (T, B, D): time-major already
        switch recurrence {
        case "diagonal":
            let diag = (0..<h).map { Foundation.tanh(whh[$0, $0] * Double(h).squareRoot()) }   // u_j ∈ (−1, 1)
            let cell = IndRNNCell(weights: CellWeights(inputWeight: wxh, recurrentDiagonal: diag, inputBias: bias, hiddenBias: nil), activation: .tanh)
            return time(cell, h: h, t: t, b: b, x: x, why: why, budget: budget, kernels: kernels)
        case "diagonal-as-dense":
            var dense = Matrix(rows: h, cols: h)
            for j in 0..<h { dense[j, j] = Foundation.tanh(whh[j, j] * Double(h).squareRoot()) }
            let cell = VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: wxh, hiddenWeight: dense, inputBias: bias, hiddenBias: nil), activation: .tanh)
            return time(cell, h: h, t: t, b: b, x: x, why: why, budget: budget, kernels: kernels)
        default:
            let cell = VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: wxh, hiddenWeight: whh, inputBias: bias, hiddenBias: nil),
                                   activation: .tanh)
            return time(cell, h: h, t: t, b: b, x: x, why: why, budget: budget, kernels: kernels)
        }
    }

    /// Forward + full BPTT of `cell` on the workload's inputs, timed: on the full tape, or
    /// checkpointed when the tape would exceed `budget`.
    func time<C: RecurrentCell>(_ cell: C, h: Int, t: Int, b: Int, x: [Double], why: [Double], budget: MemoryBudget,
                                kernels: [RecurrentProductKernel?]) -> [([Double], Checks)] {
        if case .checkpointed(let k) = cell.bpttStrategy(steps: t, batch: b, budget: budget) {
            return [timeCheckpointed(cell, h: h, t: t, b: b, x: x, why: why, interval: k)]
        }
        let tapes = kernels.map { Unroller(cell: cell, capacity: t, batch: b, kernel: $0) }
        var adjoint = [Double](repeating: 0, count: b * h), gnorm = [Double](repeating: 0, count: t)
        var dwhy = [Double](repeating: 0, count: h)
        var checks = [Checks](repeating: Checks(), count: tapes.count)
        for (i, k) in kernels.enumerated() { checks[i].kernel = k.map { "gradlab " + $0.description } ?? "gradlab" }
        var u = tapes[0], which = 0
        func once() {
            x.withUnsafeBufferPointer { xp in u.forward(steps: t, inputs: xp.baseAddress!) }
            let hT = u.state(t)
            var loss = 0.0
            for i in 0..<h { dwhy[i] = 0 }
            for r in 0..<b {
                var y = 0.0
                for i in 0..<h { y += why[i] * hT[r * h + i] }
                loss += 0.5 * y * y
                for i in 0..<h { adjoint[r * h + i] = y * why[i]; dwhy[i] += y * hT[r * h + i] }
            }
            u.beginBackward()
            adjoint.withUnsafeBufferPointer { a in u.backward(from: t, to: 0, injected: t...t) { _ in a.baseAddress! } }
            _ = u.parameterGradients(inputGradient: false)
            gnorm.withUnsafeMutableBufferPointer { u.hiddenGradientNorms(into: $0.baseAddress!) }
            checks[which] = Checks(loss: loss, gnormSum: gnorm.reduce(0, +), gnormFirst: gnorm[0], gnormLast: gnorm[t - 1], kernel: checks[which].kernel)
        }
        var times = [[Double]](repeating: [], count: tapes.count)
        for (i, tape) in tapes.enumerated() { (u, which) = (tape, i); once() }   // warm-up
        for _ in 0..<common.reps {
            for (i, tape) in tapes.enumerated() { (u, which) = (tape, i); times[i].append(seconds(once)) }
        }
        return Array(zip(times, checks))
    }

    /// The same workload through `CheckpointedUnroller` (a state every `interval` steps).
    func timeCheckpointed<C: RecurrentCell>(_ cell: C, h: Int, t: Int, b: Int, x: [Double], why: [Double], interval: Int) -> ([Double], Checks) {
        let u = CheckpointedUnroller(cell: cell, capacity: t, batch: b, interval: interval)
        var adjoint = [Double](repeating: 0, count: b * h)
        var dwhy = [Double](repeating: 0, count: h)
        var checks = Checks(strategy: .checkpointed(interval: interval))
        func once() {
            x.withUnsafeBufferPointer { xp in u.forward(steps: t, inputs: xp.baseAddress!) }
            let hT = u.lastState
            var loss = 0.0
            for i in 0..<h { dwhy[i] = 0 }
            for r in 0..<b {
                var y = 0.0
                for i in 0..<h { y += why[i] * hT[r * h + i] }
                loss += 0.5 * y * y
                for i in 0..<h { adjoint[r * h + i] = y * why[i]; dwhy[i] += y * hT[r * h + i] }
            }
            adjoint.withUnsafeBufferPointer { a in u.backward(injected: t...t) { _ in a.baseAddress! } }
            _ = u.parameterGradients
            let gnorm = u.hiddenGradientNorms
            checks = Checks(loss: loss, gnormSum: gnorm.reduce(0, +), gnormFirst: gnorm[0], gnormLast: gnorm[t - 1],
                            strategy: .checkpointed(interval: interval))
        }
        once()   // warm-up
        var times: [Double] = []
        for _ in 0..<common.reps { times.append(seconds(once)) }
        return (times, checks)
    }
}
