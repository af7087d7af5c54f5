import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a run directory's files (`runs.csv`, `series.csv`, `manifest.json`, `experiment.yaml`) reach
/// the disk: `write` puts all of `bytes` into the open file `descriptor` or throws an `Errno`.
/// `.posix` calls `write(2)`; tests inject a failing writer to simulate a full disk.
public struct FileWriter: Sendable {
    public var write: @Sendable (_ bytes: UnsafeRawBufferPointer, _ descriptor: Int32, _ fileName: String) throws -> Void

    public init(write: @escaping @Sendable (_ bytes: UnsafeRawBufferPointer, _ descriptor: Int32, _ fileName: String) throws -> Void) {
        self.write = write
    }

    /// `write(2)` until every byte is written (retrying on EINTR).
    public static let posix = FileWriter { bytes, descriptor, _ in
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno(errno)
            }
            offset += n
        }
    }

    /// A writer that writes the first `after` bytes of the file named `fileName`, then fails with
    /// `code` (ENOSPC: a full disk); other files are written normally.
    public static func failing(_ fileName: String, with code: Int32 = ENOSPC, after: Int = 0) -> FileWriter {
        FileWriter { bytes, descriptor, name in
            guard name == fileName else { return try posix.write(bytes, descriptor, name) }
            try posix.write(UnsafeRawBufferPointer(rebasing: bytes.prefix(min(after, bytes.count))), descriptor, name)
            throw Errno(code)
        }
    }
}

/// An `errno` value with its text (`No space left on device`).
public struct Errno: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) }
}

/// Files written whole or not at all: the bytes go to a temporary file in the same directory
/// (`.<name>.tmp-<pid>`), which is flushed (`fsync`) and renamed over the target, so a reader never
/// sees a partial file and a failed write leaves the previous version (or none) in place.
public enum AtomicFile {
    /// Writes `data` to `url` atomically; a failure throws `RunError` naming the path and the cause
    /// and removes the temporary file.
    public static func write(_ data: Data, to url: URL, using writer: FileWriter = .posix) throws {
        let name = url.lastPathComponent
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(name).tmp-\(getpid())")
        func failure(_ cause: String) -> RunError { RunError("cannot write \(url.path): \(cause)") }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        var open = true
        do {
            try data.withUnsafeBytes { try writer.write($0, fd, name) }
            guard fsync(fd) == 0 else { throw Errno(errno) }
            open = false
            guard close(fd) == 0 else { throw Errno(errno) }
        } catch {
            if open { close(fd) }
            unlink(temporary.path)
            throw failure("\(error)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let cause = String(cString: strerror(errno))
            unlink(temporary.path)
            throw failure(cause)
        }
    }

    /// `write(_:to:using:)` for UTF-8 text.
    public static func write(_ text: String, to url: URL, using writer: FileWriter = .posix) throws {
        try write(Data(text.utf8), to: url, using: writer)
    }

    /// Removes temporary files that a killed writer left in `directory` (`.<name>.tmp-<pid>`), for the
    /// given target names. Called by a run that holds the directory's lock.
    public static func removeLeftovers(in directory: URL, names: [String]) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for entry in entries where names.contains(where: { entry.hasPrefix(".\($0).tmp-") }) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(entry))
        }
    }
}
