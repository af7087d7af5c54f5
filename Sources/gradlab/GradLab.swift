import ArgumentParser

/// The `gradlab` command: dispatches to subcommands, nothing else.
@main
struct GradLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradlab",
        abstract: "GradLab: measure why recurrent networks fail to learn long-range dependencies — gradient norms, Jacobian products and Lyapunov spectra through time.",
        version: GradLabVersion.string,
        subcommands: [Run.self, Validate.self, List.self, InitCommand.self, InspectCommand.self, TraceCommand.self, DiagnoseCommand.self, FixedPointsCommand.self, Plot.self, ReportCommand.self, TableCommand.self, SlurmCommand.self, StatusCommand.self, MergeCommand.self, SampleCommand.self]
    )

    /// Parses, runs, and reports any error in the one style of `ErrorReport`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            ErrorReport.exit(error, command: self)
        }
    }
}

enum GradLabVersion {
    static let string = "0.1.0"
}
