import ArgumentParser
import Foundation
import Linalg
import Recurrent

/// Stacked (and bidirectional) forward + full BPTT through depth and time: GradLab's `model.gradients`
/// (one `Unroller` per layer and direction) beside PyTorch's fused `nn.RNN/LSTM/GRU(num_layers:)`
/// (scripts/bench_stacked_peer.py), both float64, L = Σ top outputs. Timing only (different random weights).
struct StackedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stacked",
        abstract: "Stacked / bidirectional forward + BPTT beside PyTorch's num_layers modules."
    )


    @Option(parsing: .upToNextOption, help: "Sizes L,H,T,B.")
    var sizes: [String] = ["2,64,200,1", "4,128,200,8", "8,64,500,1"]
    @Option(help: "Cell (values: rnn, lstm, gru).")
    var cell: CellFamily = .rnn
    @Flag(help: "Bidirectional layers.")
    var bidirectional = false
    @Option(help: "Input dimension D.")
    var inputSize = 32
    @Option(help: "Timed repetitions (after one warm-up); the median is reported.")
    var reps = 3
    @Option(help: "BLAS threads.")
    var threads = 1
    @Option(help: "The peer script (empty: no peer).")
    var peer = "scripts/bench_stacked_peer.py"

    func run() throws {
        BLASThreads.set(threads)
        emit("workload stacked, cell \(cell.rawValue)\(bidirectional ? ", bidirectional" : ""), D = \(inputSize), threads = \(threads), reps = \(reps) (median)")
        for size in sizes {
            let p = size.split(separator: ",").compactMap { Int($0) }
            guard p.count == 4, p.allSatisfy({ $0 > 0 }) else { throw ValidationError("--sizes: '\(size)' is not L,H,T,B with positive integers.") }
            let (l, h, t, b) = (p[0], p[1], p[2], p[3])
            var rng = RandomStream(seed: 1)
            let kind = CellKind(cell, activation: .tanh)
            let model = try RecurrentModel.initialized(cell: kind, inputSize: inputSize, hiddenSize: h, headSize: nil,
                                                       layers: l, bidirectional: bidirectional, rng: &rng)
            let x = try SequenceBatch(steps: t, batchSize: b, featureSize: inputSize, timeMajor: rng.normals(t * b * inputSize))
            let g = try SequenceBatch(steps: t, batchSize: b, featureSize: model.topWidth, timeMajor: [Double](repeating: 1, count: t * b * model.topWidth))
            var loss = 0.0
            _ = try model.gradients(x, outputs: .all, objective: .adjoint(g))
            let times = try (0..<reps).map { _ in try seconds { loss = try model.gradients(x, outputs: .all, objective: .adjoint(g)).loss } }
            let mine = median(times)
            var line = String(format: "%-14@ gradlab median %8.4fs min %8.4fs", size as NSString, mine, times.min()!)
            if !peer.isEmpty {
                let proc = Process()
                proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                proc.arguments = ["python3", peer, "--cell", cell.rawValue, "--layers", "\(l)", "--hidden", "\(h)", "--steps", "\(t)",
                                  "--batch", "\(b)", "--input", "\(inputSize)", "--reps", "\(reps)", "--threads", "\(threads)"]
                    + (bidirectional ? ["--bidirectional"] : [])
                let pipe = Pipe()
                proc.standardOutput = pipe
                try proc.run()
                proc.waitUntilExit()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if let json = try? JSONSerialization.jsonObject(with: data) as? [String: Double], let tm = json["median"] {
                    line += String(format: " | torch median %8.4fs  torch/gradlab %5.2f", tm, tm / mine)
                } else {
                    line += " | torch: no result"
                }
            }
            emit(line + String(format: "  (loss %.6g)", loss))
        }
    }
}

extension CellFamily: ExpressibleByArgument {}
