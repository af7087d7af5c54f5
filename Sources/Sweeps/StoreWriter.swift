import Foundation

/// A finished configuration on its way to the store: the result with its wall and CPU seconds.
public struct FinishedConfiguration<Spec: SweepSpec>: Sendable {
    public let configuration: Configuration<Spec>
    public let result: ConfigurationResult
    /// Wall seconds of the executor.
    public let seconds: Double
    /// CPU seconds of the thread that ran the executor.
    public let cpuSeconds: Double?

    public init(_ configuration: Configuration<Spec>, _ result: ConfigurationResult, seconds: Double, cpuSeconds: Double?) {
        self.configuration = configuration
        self.result = result
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds
    }
}

/// Stores a run's results off the workers' path: the runner hands each finished configuration to
/// `submit` and starts the next one at once, and one background thread (its own, not one of Swift
/// concurrency's pool, whose threads run the configurations) writes the result's files, then commits
/// everything queued since its last commit in one transaction (`ResultStore.insert(_:)`).
///
/// Guarantees, as when the runner wrote each result itself:
/// - a configuration is stored whole or not at all: its files are written (atomically) before its
///   row, and its row and all its series are in one transaction;
/// - rows are committed in the order the results were submitted;
/// - `finish()` returns once everything submitted is committed.
///
/// A crash (kill -9) loses only what is not committed yet — the configurations running, and at most
/// `capacity` finished ones waiting here or being written — and `--resume` runs those again.
///
/// Bounded: at most `capacity` results wait; `submit` blocks while the queue is full (a slow disk
/// slows the run rather than filling memory).
///
/// Failures: the first error (a file that cannot be written, the database's `RunError`) stops the
/// writer; what was queued behind it is not stored, and that `submit` and every later one, and
/// `finish`, throw it. Results before it in its batch are committed.
final class StoreWriter<Spec: SweepSpec>: @unchecked Sendable { // mutable state guarded by `condition`
    let store: ResultStore
    let directory: URL
    let fileWriter: FileWriter
    let capacity: Int

    private let condition = NSCondition()
    private var queue: [FinishedConfiguration<Spec>] = []
    /// Set by `finish`: the thread exits once the queue is empty.
    private var closing = false
    /// Set by the thread when it exits.
    private var exited = false
    private var failure: (any Error)?

    /// Starts the writer's thread. `directory` is the run directory (result files are relative to it).
    init(store: ResultStore, directory: URL, fileWriter: FileWriter, capacity: Int) {
        self.store = store
        self.directory = directory
        self.fileWriter = fileWriter
        self.capacity = max(1, capacity)
        let thread = Thread { [self] in drain() }
        thread.name = "gradlab-store-writer"
        thread.start()
    }

    /// Queues `finished` for the store; blocks while `capacity` results wait. Throws the writer's
    /// failure, if it has failed.
    func submit(_ finished: FinishedConfiguration<Spec>) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && failure == nil { condition.wait() }
        if let failure { throw failure }
        guard !closing else { throw RunError("\(store.url.relativePath): a result came after the store's writer finished (\(finished.configuration.runID)); it is not stored — run again with --resume") }
        queue.append(finished)
        condition.broadcast()
    }

    /// Waits until everything submitted is committed and the thread has exited; throws the writer's
    /// failure, if any. Idempotent.
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        closing = true
        condition.broadcast()
        while !exited { condition.wait() }
        if let failure { throw failure }
    }

    /// The thread: takes every queued result, writes their files, commits their rows; until
    /// `finish` and an empty queue, or a failure.
    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            guard !queue.isEmpty else {
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue
            condition.unlock()

            var error: (any Error)?
            var written = batch.count
            for (i, finished) in batch.enumerated() {
                do {
                    try writeFiles(of: finished.result)
                } catch let e {
                    error = e
                    written = i
                    break
                }
            }
            do {
                try store.insert(batch.prefix(written))
            } catch let e {
                error = error ?? e
            }

            condition.lock()
            queue.removeFirst(batch.count)
            if let error {
                failure = error
                queue.removeAll()
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// A result's files (`ConfigurationResult.files`), each atomically, by path in sorted order.
    private func writeFiles(of result: ConfigurationResult) throws {
        for (path, data) in result.files.sorted(by: { $0.key < $1.key }) {
            let url = directory.appendingPathComponent(path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                throw RunError("cannot write \(url.path): \(Preflight.cause(of: error))")
            }
            try AtomicFile.write(data, to: url, using: fileWriter)
        }
    }
}
