import Foundation

/// Checks before a run starts: every pending configuration's memory estimate against the budget, and
/// the total time estimate against `confirmationSeconds`.
public enum Preflight {
    /// Estimated totals above this (24 h) need a confirmation: `--yes`, or a yes typed at a terminal.
    public static let confirmationSeconds: Double = 24 * 3600

    /// The memory one configuration may use: the machine's physical memory, or the cgroup's limit
    /// when smaller (`/sys/fs/cgroup/memory.max`, cgroup v2).
    public static var availableMemory: Double {
        var bytes = Double(ProcessInfo.processInfo.physicalMemory)
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
            bytes = min(bytes, limit)
        }
        return bytes
    }

    /// Throws `RunError` naming the first configuration whose estimated peak memory exceeds `budget`
    /// (nil: `availableMemory`), with the estimate and the budget. Each grid point is checked once
    /// (replicates need the same memory).
    public static func checkMemory<E: SweepExecutor>(_ configurations: [Configuration<E.Spec>], executor: E, budget: Double?) throws {
        let limit = budget ?? availableMemory
        var seen = Set<Int>()
        for c in configurations where seen.insert(c.point.index).inserted {
            let bytes = executor.estimatedBytes(c.spec)
            guard bytes > limit else { continue }
            let which = c.point.identity.isEmpty ? "the configuration" : "configuration \(c.point.values.map { "\($0.path)=\($0.text)" }.joined(separator: ", "))"
            let source = budget == nil ? "the machine's memory" : "--memory-budget"
            throw RunError("\(which) needs about \(bytesText(bytes)) of memory, more than \(source) (\(bytesText(limit))); make it smaller (model.hidden, sequence.length, batch size) or raise --memory-budget")
        }
    }

    /// `1.5 GB`, `640 MB`, `12 KB` (decimal units).
    public static func bytesText(_ bytes: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")]
        for (size, unit) in units where bytes >= size { return String(format: "%.1f %@", bytes / size, unit) }
        return "\(Int(bytes)) bytes"
    }

    /// `1.2 MB`-style sizes from `--memory-budget` text: a number with an optional K/M/G/T (decimal)
    /// or KiB/MiB/GiB/TiB suffix; nil when malformed or not positive.
    public static func parseBytes(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let suffixes: [(String, Double)] = [("KIB", 1024), ("MIB", 1_048_576), ("GIB", 1_073_741_824), ("TIB", 1_099_511_627_776),
                                            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("B", 1)]
        for (suffix, factor) in suffixes where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v.isFinite, v > 0 else { return nil }
            return v * factor
        }
        guard let v = Double(t), v.isFinite, v > 0 else { return nil }
        return v
    }

    /// The cause of a Foundation file error in words (`Permission denied`, `Not a directory`).
    static func cause(of error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
