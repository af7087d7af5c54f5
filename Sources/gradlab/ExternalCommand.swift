import Foundation

/// A program outside GradLab (`sbatch`, `squeue`, `scontrol`), launched with an argument array —
/// never through a shell, so no path or option is ever re-split or expanded.
///
/// Foundation's `Process` is used rather than swift-subprocess: three short, synchronous calls whose
/// output is a few lines do not justify another package dependency (it would also have to resolve
/// offline on every build machine); `Process` takes the same argument array.
struct ExternalCommand {
    /// The program's name as typed (`sbatch`) and the rest of the arguments.
    let arguments: [String]

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The command as a user would type it (arguments with spaces or quotes single-quoted).
    var text: String { arguments.map(ExternalCommand.shellQuoted).joined(separator: " ") }

    /// The first executable `name` on `PATH`, or nil.
    static func find(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the program and waits for it; throws only when it cannot start.
    func run() throws -> Output {
        guard let name = arguments.first, let program = ExternalCommand.find(name) else {
            throw UserError("\(arguments.first ?? "?") not found on PATH (needed for: \(text))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw UserError("could not start \(text): \(error)") }
        // Standard error is drained on another thread so neither pipe can fill up and block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the program; a non-zero exit becomes a `UserError` quoting the command and its standard
    /// error verbatim.
    func runChecked() throws -> String {
        let output = try run()
        guard output.status == 0 else {
            let said = output.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw UserError("`\(text)` failed (exit \(output.status))" + (said.isEmpty ? "" : ":\n\(said)"))
        }
        return output.stdout
    }

    /// `s` quoted for a POSIX shell when it needs it (for printed commands and the batch script).
    static func shellQuoted(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,%+@")
        if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
