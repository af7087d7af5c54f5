import Foundation

/// The stated limits of an experiment: what a file, a grid and a configuration may hold. A value past a
/// limit is refused with a located error before any work proportional to it is done, so `validate`,
/// `run --dry-run` and `run` answer any file in bounded time and memory. docs/experiments.md ("Limits")
/// lists them; module Lab adds the model and training sizes in an extension.
public enum Limits {
    /// Bytes of an experiment file (1 MiB); a larger file is refused before it is read whole.
    public static let fileBytes = 1 << 20
    /// Nesting depth of mappings and lists (the top-level mapping is depth 1).
    public static let depth = 32
    /// Bytes (UTF-8) of one scalar: a key, a word, a number or a text.
    public static let scalarBytes = 4_096
    /// Entries of one list or mapping (so of one sweep list, too).
    public static let entries = 10_000
    /// Nodes (scalars, lists and mappings) of one file or one `--set` value.
    public static let nodes = 100_000
    /// Keys of `sweep:` and `zip:` together.
    public static let sweptPaths = 100
    /// Grid points: the product of the sweep lists' lengths times the zip length.
    public static let gridPoints = 100_000
    /// Values decoded to check a grid: grid points × values of one configuration (the file without
    /// `sweep:`/`zip:`, plus the largest value of each swept list). Loading checks every grid point, so
    /// this bounds its time.
    public static let checkedValues = 10_000_000
    /// Configurations: grid points × replicates.
    public static let configurations = 1_000_000

    /// Why a file of `bytes` bytes (nil: more than `fileBytes`, size unknown) is refused.
    static func fileSizeMessage(bytes: Int?) -> String {
        let size = bytes.map { "\(grouped($0)) bytes" } ?? "larger than 1 MiB"
        return "the file is \(size); experiment files are limited to 1 MiB (\(grouped(fileBytes)) bytes)"
    }

    /// `n` written with thousands separators (`1,048,576`), for messages.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The product of `factors` if it is at most `limit`, else nil (never overflows: stops as soon as the
    /// running product passes `limit`). Factors must be ≥ 0.
    public static func product(_ factors: [Int], atMost limit: Int) -> Int? {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            if overflow || p > limit { return factors.contains(0) ? 0 : nil }
            total = p
        }
        return total
    }
}

/// The text of an experiment file, read only up to `Limits.fileBytes` (a larger file is refused by its
/// size before it is read, a growing or special file once the limit is passed).
public func readExperimentFile(_ path: String) throws -> String {
    let start = Origin.file(path: path, line: 1, column: 1)
    let data: Data
    do {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int, size > Limits.fileBytes {
            throw ExperimentError(start, Limits.fileSizeMessage(bytes: size))
        }
        data = try handle.read(upToCount: Limits.fileBytes + 1) ?? Data()
    } catch let error as ExperimentError {
        throw error
    } catch {
        throw ExperimentError(start, "cannot read the file (\((error as NSError).localizedDescription))")
    }
    if data.count > Limits.fileBytes { throw ExperimentError(start, Limits.fileSizeMessage(bytes: nil)) }
    guard let text = String(data: data, encoding: .utf8) else {
        throw ExperimentError(start, "the file is not UTF-8 text")
    }
    return text
}
