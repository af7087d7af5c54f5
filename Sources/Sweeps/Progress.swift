import Foundation

/// Progress of a sweep on standard error: a redrawn bar with count, rate and ETA on a terminal,
/// plain lines every `interval` seconds (and at the end) otherwise. Used from one task only.
public final class ProgressReporter {
    public enum Style: Sendable { case bar, lines, silent }

    let total: Int
    let style: Style
    let interval: Double
    private let start = Date()
    private var lastLine = Date.distantPast
    private(set) var done = 0
    private(set) var failed = 0

    /// `style` nil chooses `.bar` when standard error is a terminal, `.lines` otherwise.
    public init(total: Int, style: Style? = nil, interval: Double = 5) {
        self.total = total
        self.style = style ?? (isatty(STDERR_FILENO) == 1 ? .bar : .lines)
        self.interval = interval
    }

    /// Records one finished configuration.
    public func advance(failed didFail: Bool) {
        done += 1
        if didFail { failed += 1 }
        let now = Date()
        switch style {
        case .silent: return
        case .bar: emit("\r" + line(now) + "\u{1B}[K", newline: done == total)
        case .lines:
            if done == total || now.timeIntervalSince(lastLine) >= interval {
                lastLine = now
                emit(line(now), newline: true)
            }
        }
    }

    func line(_ now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let failures = failed > 0 ? " · \(failed) failed" : ""
        let counts = "\(done)/\(total) · \(String(format: "%.2f", rate))/s · ETA \(ProgressReporter.clock(eta))\(failures)"
        guard style == .bar else { return "progress: " + counts }
        let width = 24
        let filled = total == 0 ? width : width * done / total
        return "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] " + counts
    }

    private func emit(_ s: String, newline: Bool) {
        FileHandle.standardError.write(Data((s + (newline ? "\n" : "")).utf8))
    }

    /// `m:ss` or `h:mm:ss`; `--` when unknown; past 10^12 s (an estimate, never a measurement)
    /// "> 10^12 s" rather than a conversion to `Int` that could trap.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        guard seconds.magnitude < 1e12 else { return "> 10^12 s" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
