import ArgumentParser
import Foundation
import Initializers
import Lab
import Linalg
import Plotting
import Recurrent
import Sweeps
import TensorIO

/// An error a user can act on that the command itself finds (a bad combination of files, a run with
/// failed configurations). Library errors (`ExperimentError`, `RunError`, `TensorIOError`, …) are
/// reported the same way without being wrapped.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The one message style of the command line: `error: <message>` on standard error, where a message
/// about a file starts with its location (`x.yaml:12:5: …`, `m.safetensors: …`), then exit code 1.
/// Argument errors add a pointer to the subcommand's help; `--help` and `--version` print as usual.
enum ErrorReport {
    /// The message of an error a user can act on, without the `error:` prefix.
    static func message(for error: Error, command: ParsableCommand.Type) -> String {
        switch error {
        case let e as UserError: return e.description
        case let e as ExperimentError: return e.description
        case let e as RunError: return e.description
        case let e as ResultStore.StoreMismatch: return e.description
        case let e as RecurrentError: return e.message
        case let e as TensorIOError: return e.description
        case let e as InitError: return e.message
        case let e as LinalgError: return e.description
        case let e as PlotError: return "charts: \(e.description)"
        default: return command.message(for: error)
        }
    }

    /// Prints `error` in the CLI's style and exits with its code.
    static func exit(_ error: Error, command: ParsableCommand.Type) -> Never {
        let code = command.exitCode(for: error)
        if code == .success || error is ExitCode { command.exit(withError: error) }
        let isUsage = code == .validationFailure
        let hint = isUsage ? "\n(see 'gradlab \(CommandLine.arguments.dropFirst().first ?? "") --help')" : ""
        FileHandle.standardError.write(Data("error: \(message(for: error, command: command))\(hint)\n".utf8))
        Foundation.exit(isUsage ? code.rawValue : 1)
    }
}

/// Prints a warning in the CLI's style (`warning: …` on standard error).
func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
