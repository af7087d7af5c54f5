import ArgumentParser
import Foundation
import Linalg
import Recurrent
import Training

/// N training iterations of a vanilla tanh RNN (D = 2, head O = 1) on one fixed batch: the core's
/// BPTT on a `GradientWorkspace` (MSE on the last step; what `train` runs), `clip_grad_norm_` at 1 in
/// place and Adam (lr 1e-3) on a second parameter set exchanged with the model's, from the Training
/// module (`--allocating` also times the per-call path, `RecurrentModel.gradients`, for comparison) — timed against `scripts/bench_training_peer.py` (PyTorch,
/// same inputs from the peers' generator). Checksums: the last iteration's loss and Σ W_hh after
/// N iterations, which must agree with PyTorch to rounding.
struct TrainingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training iterations (BPTT + clip_grad_norm_ + Adam) against a PyTorch peer."
    )

    @Option(parsing: .upToNextOption, help: "Sizes H,T,B,N (N iterations per timed call).")
    var sizes: [String] = ["32,50,20,20", "128,50,20,20", "128,200,32,10"]
    @Option(help: "Timed repetitions (after one warm-up); the median is reported.")
    var reps = 3
    @Option(help: "BLAS threads for GradLab and the peer.")
    var threads = 1
    @Option(help: "Seed of the peers' input generator.")
    var seed = 42
    @Option(help: "The peer script (PyTorch); 'none' to skip.")
    var peerScript = "scripts/bench_training_peer.py"
    @Flag(help: "Also time the allocating path (a new tape and tensors every iteration), interleaved.")
    var allocating = false

    func validate() throws {
        guard reps >= 1 else { throw ValidationError("--reps must be at least 1.") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
    }

    func run() throws {
        BLASThreads.set(threads)
        emit("workload train (tanh RNN, D = 2, MSE on h_T, clip 1, Adam 1e-3), threads = \(threads), reps = \(reps) (median)")
        for size in sizes {
            let parts = size.split(separator: ",").compactMap { Int($0) }
            guard parts.count == 4, parts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--sizes: '\(size)' is not H,T,B,N with positive integers.")
            }
            let (times, loss, whhSum, allocatingTimes) = try timeGradLab(h: parts[0], t: parts[1], b: parts[2], n: parts[3])
            let time = median(times), best = times.min() ?? time
            emit(size.padding(toLength: 16, withPad: " ", startingAt: 0) + "gradlab  "
                 + String(format: "median %8.4fs  min %8.4fs  %7.3f ms/iter (median)  loss=%.15g whh_sum=%.15g",
                          time, best, time / Double(parts[3]) * 1000, loss, whhSum))
            if allocating {
                let a = median(allocatingTimes)
                emit(size.padding(toLength: 16, withPad: " ", startingAt: 0) + "alloc    "
                     + String(format: "median %8.4fs  min %8.4fs  allocating/workspace: median %5.2f", a,
                              allocatingTimes.min() ?? a, a / time))
            }
            guard peerScript != "none" else { continue }
            do {
                let r = try PeerRunner.run(script: peerScript, workload: "train", impl: "torch", size: size,
                                           reps: reps, threads: threads, seed: seed)
                let peerLoss = (r.checksums["loss"] ?? nil) ?? .nan, peerSum = (r.checksums["whh_sum"] ?? nil) ?? .nan
                emit(size.padding(toLength: 16, withPad: " ", startingAt: 0) + "torch    "
                     + String(format: "median %8.4fs  min %8.4fs  torch/gradlab: median %5.2f  min %5.2f  Δloss %.1e  Δwhh_sum %.1e",
                              r.median, r.min, r.median / time, r.min / best, abs(peerLoss - loss), abs(peerSum - whhSum)))
            } catch {
                emit("\(size) torch: \(error)")
            }
        }
    }

    /// The timed repetitions (seconds), the last iteration's loss and Σ W_hh, and (with `--allocating`)
    /// the interleaved repetitions of the allocating path.
    func timeGradLab(h: Int, t: Int, b: Int, n: Int) throws -> ([Double], Double, Double, [Double]) {
        let norm = { (k: Int, count: Int, scale: Double) in PeerInputs.normals(seed: seed, stream: k, count: count, scale: scale) }
        let initial = ParameterSet([
            (ParameterName.weightIH, try Matrix(rows: h, cols: 2, elements: norm(1, h * 2, 1 / 2.0.squareRoot()))),
            (ParameterName.weightHH, try Matrix(rows: h, cols: h, elements: norm(2, h * h, 1 / Double(h).squareRoot()))),
            (ParameterName.biasIH, try Matrix(rows: h, cols: 1, elements: norm(3, h, 0.1))),
            (ParameterName.biasHH, Matrix(rows: h, cols: 1)),
            (ParameterName.headWeight, try Matrix(rows: 1, cols: h, elements: norm(4, h, 1 / Double(h).squareRoot()))),
            (ParameterName.headBias, Matrix(rows: 1, cols: 1)),
        ])
        let inputs = try SequenceBatch(steps: t, batchSize: b, featureSize: 2, timeMajor: norm(5, t * b * 2, 1))
        let targets = try SequenceBatch(steps: 1, batchSize: b, featureSize: 1, timeMajor: norm(6, b, 1))
        let clipping = GradientClipping.globalNorm(maxNorm: 1, nonFinite: .followPyTorch)
        var result = (loss: 0.0, whhSum: 0.0)
        let batchFirst = inputs.batchFirstValues, objective = Objective.mse(targets: targets)
        func once() throws {
            var model = try RecurrentModel(cell: .rnn(.tanh), parameters: initial)
            let workspace = try GradientWorkspace(model: model, steps: t, batchSize: b)
            var adam = try Adam(learningRate: 1e-3)
            var grads: [Matrix] = [], norms: [Double] = [], next = model.parameters.tensors
            var loss = 0.0
            for _ in 0..<n {
                loss = try workspace.gradients(model, batchFirstInputs: batchFirst, steps: t, outputs: .last, objective: objective,
                                               into: &grads, hiddenNorms: &norms)
                _ = try clipping.apply(to: &grads)
                for i in next.indices {
                    model.parameters.tensors[i].withUnsafeBufferPointer { src in
                        next[i].withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: src.baseAddress!, count: src.count) }
                    }
                }
                try adam.step(&next, gradients: grads)
                try model.exchangeTensors(&next)
            }
            result = (loss, model.parameters[ParameterName.weightHH]?.elements.reduce(0, +) ?? .nan)
        }
        func onceAllocating() throws {
            var model = try RecurrentModel(cell: .rnn(.tanh), parameters: initial)
            var adam = try Adam(learningRate: 1e-3)
            var loss = 0.0
            for _ in 0..<n {
                let g = try model.gradients(inputs, outputs: .last, objective: .mse(targets: targets))
                var grads = g.parameters.tensors
                _ = try clipping.apply(to: &grads)
                var tensors = model.parameters.tensors
                try adam.step(&tensors, gradients: grads)
                try model.setTensors(tensors)
                loss = g.loss
            }
            let sum = model.parameters[ParameterName.weightHH]?.elements.reduce(0, +) ?? .nan
            guard loss.bitPattern == result.loss.bitPattern, sum.bitPattern == result.whhSum.bitPattern else {
                throw ValidationError("the allocating path gave loss \(loss), Σ W_hh \(sum); the workspace \(result.loss), \(result.whhSum)")
            }
        }
        try once()   // warm-up
        if allocating { try onceAllocating() }
        var times: [Double] = [], allocatingTimes: [Double] = []
        for _ in 0..<reps {
            times.append(try seconds(once))
            if allocating { allocatingTimes.append(try seconds(onceAllocating)) }
        }
        return (times, result.loss, result.whhSum, allocatingTimes)
    }
}
