import ArgumentParser
import Foundation
import Linalg
import Plotting
import Recurrent
import TensorIO

/// `--format` of the commands that print a report: words for people or JSON for programs.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

/// The model-file options shared by `trace` and `diagnose`: the file and, when its metadata does not
/// say (or to check it), the cell and activation.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file (.safetensors or .npz) with PyTorch parameter names.")
    var model: String
    @Option(help: "Cell (default: the file's metadata).")
    var cell: CellFamily?
    @Option(help: "Activation of an rnn cell (default: the file's metadata).")
    var activation: Activation?
    @Option(help: "Slope α of leaky-relu for negative inputs.")
    var alpha: Double?
    @Option(help: "Read only the tensors whose names start with this, without it (a whole model's state dict, e.g. 'rnn.').")
    var prefix: String?
    @Option(help: "The module whose .weight and .bias are the linear read-out (e.g. 'fc' for fc.weight, fc.bias).")
    var head: String?

    func validate() throws {
        if let a = alpha, !a.isFinite { throw ValidationError("--alpha must be a finite number.") }
    }

    /// The model, with cell and activation from the flags or the file's metadata (a conflict is an error).
    func load() throws -> RecurrentModel {
        try RecurrentModel.load(model, cell: cell?.rawValue, activation: activation?.name, leakySlope: alpha,
                                prefix: prefix, head: head)
    }
}

/// Runs `body`; a numerical error (singular matrix, bad shape) is reported with the model file it
/// came from. Other errors reach `ErrorReport` as they are.
func withModelContext<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as LinalgError { throw UserError("\(path): \(e.description)") }
}

extension Activation: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { Activation.names }
}
