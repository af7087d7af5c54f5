import Foundation
import _FuzzMutators

/// What a case's child did, and whether that is a failure of gradlab.
///
/// Passing: the file was accepted (exit 0) or refused with a located error (non-zero exit and every
/// `error:` line starts with the case file: `error: FILE:LINE:COL: …` for experiment files,
/// `error: FILE…` for tensor files). Failing: a crash (the child ended by a signal), a hang (killed at
/// the timeout), the memory limit (a signal, with the peak near the limit or an allocation message),
/// an unlocated error, or a non-zero exit with no `error:` line at all.
enum Verdict: Equatable {
    case accepted, refused
    case crash(String), hang, memory(String), unlocated(String), unreported(String)

    var isFailure: Bool { self != .accepted && self != .refused }

    /// The failure's class, for grouping: kind and the message with paths and numbers blanked.
    var kind: String {
        switch self {
        case .accepted: "accepted"
        case .refused: "refused"
        case .crash: "crash"
        case .hang: "hang"
        case .memory: "memory limit"
        case .unlocated: "unlocated error"
        case .unreported: "exit without error line"
        }
    }

    var detail: String {
        switch self {
        case .accepted, .refused, .hang: ""
        case .crash(let s), .memory(let s), .unlocated(let s), .unreported(let s): s
        }
    }

    init(_ r: ChildResult, format: FuzzFormat, file: String, memoryLimit: Int) {
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let lastLines = lines.suffix(3).joined(separator: " | ")
        if r.timedOut { self = .hang; return }
        if let signal = r.signal {
            let name = [4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV"][Int(signal)] ?? "signal \(signal)"
            let allocation = r.stderr.localizedCaseInsensitiveContains("alloc") || r.stderr.localizedCaseInsensitiveContains("memory")
            if allocation || r.peakRSS > memoryLimit * 3 / 4 {
                self = .memory("\(name), peak RSS \(r.peakRSS >> 20) MiB: \(lastLines)")
            } else {
                self = .crash("\(name): \(lastLines)")
            }
            return
        }
        if r.exitCode == 0 { self = .accepted; return }
        let errors = lines.filter { $0.hasPrefix("error:") }
        guard !errors.isEmpty else { self = .unreported("exit \(r.exitCode ?? -1): \(lastLines)"); return }
        for line in errors where !Verdict.located(line, format: format, file: file) {
            self = .unlocated(line)
            return
        }
        self = .refused
    }

    /// `error: FILE:LINE:COL: …` (experiment files) or `error: FILE…` (tensor files).
    static func located(_ line: String, format: FuzzFormat, file: String) -> Bool {
        let prefix = "error: \(file)"
        guard line.hasPrefix(prefix) else { return false }
        guard format == .experiment else { return true }
        let rest = line.dropFirst(prefix.count)
        return rest.range(of: #"^:\d+:\d+: "#, options: .regularExpression) != nil
    }

    /// A message with the case path, numbers and quoted values blanked, for grouping failures into classes.
    static func shape(_ s: String, file: String) -> String {
        var t = s.replacingOccurrences(of: file, with: "FILE")
        t = t.replacingOccurrences(of: #"'[^']*'"#, with: "'…'", options: .regularExpression)
        t = t.replacingOccurrences(of: #"-?\d+(\.\d+)?([eE][-+]?\d+)?"#, with: "N", options: .regularExpression)
        return String(t.prefix(110))
    }
}
