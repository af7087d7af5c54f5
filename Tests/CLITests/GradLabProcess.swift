import Foundation
import Testing
import _TestSupport

/// What one `gradlab` invocation printed and how it exited.
struct CLIResult {
    let stdout: String
    let stderr: String
    let status: Int32
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `gradlab ARGUMENTS` as a child process (the tests import no executable target).
func gradlab(_ arguments: [String]) throws -> CLIResult {
    let p = Process()
    p.executableURL = try BuiltExecutable.url("gradlab")
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes before waiting, so a large output cannot block the child.
    nonisolated(unsafe) var stderrData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        stderrData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return CLIResult(stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self),
                     status: p.terminationStatus)
}

/// Standard output of `gradlab ARGUMENTS`, which must succeed (else its standard error is thrown).
func gradlabOutput(_ arguments: [String]) throws -> String {
    let r = try gradlab(arguments)
    guard r.status == 0 else { throw CLIError("gradlab \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
    return r.stdout
}
