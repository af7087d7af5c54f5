import ArgumentParser
import Foundation
import Recurrent
import TensorIO

/// `gradlab trace`: one forward pass and BPTT on a model file, printed like a hand calculation.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Print a forward pass and backpropagation through time step by step.",
        discussion: """
        The model file (.safetensors or .npz) holds PyTorch's names: weight_ih_l0, weight_hh_l0, \
        optional bias_ih_l0, bias_hh_l0, head.weight, head.bias; stacked and bidirectional models \
        add weight_ih_l1, …, weight_ih_l0_reverse, … (a PyTorch num_layers/bidirectional state dict \
        loads unchanged) and are traced layer by layer. Inputs are .npy of shape (T, D) or \
        (B, T, D); targets .npy (float for mse/bce, int64 class indices for ce) shaped like the outputs. \
        Without --target the trace is a pure gradient-flow study: ∂L/∂h = 1 at the output steps \
        (L = the sum of those hidden states).
        """
    )

    enum LossOption: String, ExpressibleByArgument, CaseIterable { case mse, bce, ce }
    enum OutputsOption: String, ExpressibleByArgument, CaseIterable { case last, all }

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Input .npy, shape (T, D) or (B, T, D).")
    var input: String
    @Option(help: "Target .npy (omit for ∂L/∂h = 1 at the output steps).")
    var target: String?
    @Option(help: "Loss (with --target).")
    var loss: LossOption = .mse
    @Option(help: "Outputs on the last step only or on every step.")
    var outputs: OutputsOption = .last
    @Option(help: "Truncated BPTT, PyTorch recipe: chunks of K steps.")
    var truncate: Int?
    @Option(help: "Williams–Peng BPTT(k1, k2): every K1 steps …")
    var k1: Int?
    @Option(help: "… backpropagate through the last K2 steps (K2 ≥ K1).")
    var k2: Int?
    @Option(help: ArgumentHelp("Memory the BPTT tape may take, e.g. 1GiB, 200MB, 512MiB (default 256MiB). A trace keeps the full tape and prints every step, so a longer input is refused, not checkpointed (gradlab diagnose checkpoints).", valueName: "size"))
    var memoryBudget = MemoryBudget.standard.description
    @Option(help: "Output format.")
    var format: ReportFormat = .text
    @Option(help: "Decimals in text output.")
    var digits = 4

    func validate() throws {
        if truncate != nil && (k1 != nil || k2 != nil) {
            throw ValidationError("--truncate and --k1/--k2 are alternatives; give one of them.")
        }
        if (k1 == nil) != (k2 == nil) { throw ValidationError("--k1 and --k2 must be given together.") }
        if let k = truncate, k < 1 { throw ValidationError("--truncate must be at least 1, got \(k).") }
        if let a = k1, let b = k2, !(1 <= a && a <= b) { throw ValidationError("--k1 and --k2 need 1 ≤ k1 ≤ k2, got \(a) and \(b).") }
        _ = try MemoryBudgetOption.parse(memoryBudget)
        if !(0...17).contains(digits) { throw ValidationError("--digits must be between 0 and 17, got \(digits).") }
    }

    func run() throws {
        try withModelContext(modelOptions.model) {
            print(try output(), terminator: format == .json ? "\n" : "")
        }
    }

    /// The report as text or JSON (without the trailing newline of JSON output).
    func output() throws -> String {
        let (m, reading) = try modelOptions.load()
        for note in reading.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let (x, batched) = try SequenceBatch.loadInputs(input, featureSize: m.inputSize)
        let mode: OutputMode = outputs == .last ? .last : .all
        let objective: Objective
        if let target {
            if loss == .ce && m.outputSize < 2 {
                throw RecurrentError("\(modelOptions.model): ce needs at least 2 classes, but the outputs have size \(m.outputSize)")
            }
            objective = try Objective.load(target, loss: loss.rawValue, outputs: mode, steps: x.steps, batch: x.batchSize,
                                           batched: batched, outputSize: m.outputSize)
        } else {
            // ∂L/∂(top output) = 1: width H, or 2H for a bidirectional model.
            let tOut = mode == .last ? 1 : x.steps
            objective = .adjoint(try SequenceBatch(steps: tOut, batchSize: x.batchSize, featureSize: m.topWidth,
                                                   timeMajor: [Double](repeating: 1, count: tOut * x.batchSize * m.topWidth)))
        }
        let truncation: Truncation
        if let k = truncate { truncation = .chunks(k) }
        else if let a = k1, let b = k2 { truncation = .williamsPeng(k1: a, k2: b) }
        else { truncation = .none }
        let report = try TraceReport(model: m, inputs: x, batched: batched, outputs: mode, objective: objective, truncation: truncation,
                                     memoryBudget: try MemoryBudgetOption.parse(memoryBudget))
        return format == .json ? report.json() : report.text(digits: digits)
    }
}
