import ArgumentParser
import Foundation
import Linalg
import Plotting
import Recurrent
import TensorIO

/// `--format` of the commands that print a report: words for people or JSON for programs.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

/// The model-file options shared by `trace` and `diagnose`: the file and, where its names, shapes
/// and metadata do not settle it, the recurrent module, cell, activation and head.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Model file: a PyTorch torch.save file (.pt, .pth, .bin; a state dict or a checkpoint dict holding one), .safetensors or .npz, with PyTorch's parameter names.",
                               discussion: "A whole model's state dict works as saved (torch.save(model.state_dict(), \"m.pt\")): the recurrent module, its cell (from weight_hh_l0's shape) and a linear read-out are found and stated in the report."))
    var model: String
    @Option(help: "The state dict inside a PyTorch checkpoint dict (e.g. 'model' for {\"model\": …, \"optimizer\": …}); default: the only one.")
    var key: String?
    @Option(help: "Cell, to check the one weight_hh_l0's shape implies (G·H × H: rnn 1, gru 3, lstm 4).")
    var cell: CellFamily?
    @Option(help: "Activation of an rnn cell (default: the file's metadata, else tanh, PyTorch's default).")
    var activation: Activation?
    @Option(help: "Slope α of leaky-relu for negative inputs.")
    var alpha: Double?
    @Option(help: "The recurrent module's name prefix in a whole model's state dict (e.g. 'rnn' for rnn.weight_hh_l0); default: the only one.")
    var prefix: String?
    @Option(help: "The module that reads the top layer (e.g. 'fc' for fc.weight, fc.bias), or none; default: the one Linear whose input width matches.")
    var head: String?

    func validate() throws {
        if let a = alpha, !a.isFinite { throw ValidationError("--alpha must be a finite number.") }
    }

    /// The model and what was inferred about it (see `ModelFileReading`); a conflict between a flag
    /// and the file is an error.
    func load() throws -> (model: RecurrentModel, reading: ModelFileReading) {
        try RecurrentModel.read(model, cell: cell, activation: activation?.name, leakySlope: alpha,
                                prefix: prefix, head: head, checkpointKey: key)
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
