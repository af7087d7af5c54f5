import Foundation

/// The JSON fields of a Lyapunov result (keys in docs/diagnostics.md). Exponents may be −∞; the
/// report's encoder writes non-finite numbers as documented there.
enum LyapunovJSON {
    /// `lyapunov_drive` ("autonomous", "noise", "sequence"), `lyapunov_drive_text` (the report's
    /// words), `lyapunov_transient`, `lyapunov_run_steps`.
    static func run(drive: LyapunovDrive, transient: Int, runSteps: Int) -> [String: Any] {
        ["lyapunov_drive": drive.kind, "lyapunov_drive_text": drive.description(runSteps: runSteps),
         "lyapunov_transient": transient, "lyapunov_run_steps": runSteps]
    }

    /// `exponents`, `negative_infinite_count`, `singular_steps` (per exponent), `measured_steps`,
    /// `nonfinite_step` (null when the run stayed finite).
    static func spectrum(_ s: LyapunovSpectrum) -> [String: Any] {
        ["exponents": s.exponents, "negative_infinite_count": s.negativeInfiniteCount, "singular_steps": s.singularSteps,
         "measured_steps": s.measuredSteps, "nonfinite_step": s.nonfiniteStep.map { $0 as Any } ?? NSNull()]
    }
}
