// swift-tools-version: 6.1
// GradLab: a lab for gradient pathologies in recurrent networks.
import PackageDescription

let package = Package(
    name: "GradLab",
    platforms: [.macOS(.v13)],
    // What another Swift program depends on (docs/architecture.md): the numerics (Recurrent,
    // Diagnostics, Training, Initializers, Linalg), tensor files, charts, the runner core (Sweeps) and
    // the lab library that runs an experiment file (Lab) and draws its charts (ExperimentPlots).
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "Linalg", targets: ["Linalg"]),
        .library(name: "TensorIO", targets: ["TensorIO"]),
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .library(name: "Diagnostics", targets: ["Diagnostics"]),
        .library(name: "Initializers", targets: ["Initializers"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Sweeps", targets: ["Sweeps"]),
        .library(name: "Lab", targets: ["Lab"]),
        .library(name: "ExperimentPlots", targets: ["ExperimentPlots"]),
        .library(name: "Report", targets: ["Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // HTML templates for `gradlab report` (docs/report.md says why this one).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // System libraries: module map + shim header, nothing else.
        .systemLibrary(
            name: "COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // GradLab's own C kernels (the packed recurrent product and the vectorised tanh: AVX-512 / AVX2 /
        // portable, chosen at run time); only Linalg imports it (docs/linalg.md).
        .target(name: "CKernels"),

        // Float64 matrices, BLAS/LAPACK wrappers, norms, seeded splittable random numbers.
        .target(
            name: "Linalg",
            dependencies: [
                "COpenBLAS",
                "CKernels",
                .product(name: "ComplexModule", package: "swift-numerics"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),

        // Tensor files: .npy (1.0–3.0), .npz (stored/deflated zip), .safetensors; validated, never trusting headers.
        .target(name: "TensorIO", dependencies: ["Linalg", "CZlib"]),

        // Cells (RNN, LSTM, GRU), unrolling, losses, exact BPTT, one-step Jacobians.
        .target(name: "Recurrent", dependencies: ["Linalg", "TensorIO"]),

        // Weight initializers (PyTorch's definitions), Haar matrices, spectrum control, InitSpec.
        .target(name: "Initializers", dependencies: ["Linalg", "TensorIO", "Recurrent",
                                                    .product(name: "ComplexModule", package: "swift-numerics"),
                                                    .product(name: "RealModule", package: "swift-numerics")]),

        // Gradient flow through time, Jacobian-product spectra, Lyapunov spectra, theory overlays.
        .target(name: "Diagnostics", dependencies: ["Linalg", "TensorIO", "Recurrent"]),

        // Tasks (sequence generators with baselines), optimizers, clipping, training loop.
        .target(name: "Training", dependencies: ["Linalg", "Recurrent"]),

        // Charts over a small renderer protocol; Cairo writes PNG, SVG and PDF.
        .target(name: "Plotting", dependencies: ["CCairo"]),

        // The runner core, knowing no numerics: experiment files as config trees (origins for errors,
        // overrides), grids, seeding, the parallel runner, its SQLite/CSV store, progress, manifests.
        .target(
            name: "Sweeps",
            dependencies: [
                "Linalg",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // The lab library: the experiment schema decoded into domain types, the metric catalog, the
        // model factory and the executors of every mode. Runs an experiment without the CLI.
        .target(name: "Lab", dependencies: ["Sweeps", "Linalg", "Recurrent", "Diagnostics", "Initializers", "Training"]),

        // A run directory's declared plots: reads results.sqlite, draws Plotting recipes into plots/.
        .target(name: "ExperimentPlots", dependencies: ["Lab", "Sweeps", "Plotting", "Linalg"]),

        // `gradlab report`: one self-contained HTML page of a run directory (or a comparison of several):
        // header, declared charts as inline SVG, tables, findings, all read from results.sqlite.
        .target(name: "Report", dependencies: ["Lab", "Sweeps", "ExperimentPlots", "Plotting",
                                               .product(name: "GRDB", package: "GRDB.swift"),
                                               .product(name: "Mustache", package: "swift-mustache")]),

        // Test support only (underscore): a synthetic executor (no numerics) and a child process running
        // it, for the runner's tests.
        .target(name: "_ExperimentsFixtures", dependencies: ["Sweeps", "Lab", "Linalg"]),
        .executableTarget(name: "_experiments-fixture-runner", dependencies: ["Sweeps", "Lab", "_ExperimentsFixtures"]),
        // Test support only: locating the built executables that tests run as child processes.
        .target(name: "_TestSupport"),

        // Test support only: the fuzz suite's seeded mutators (experiment and tensor files) and the
        // executable that runs their cases through a built gradlab (docs/fuzzing.md; `make fuzz`).
        .target(name: "_FuzzMutators"),
        .executableTarget(name: "_gradlab-fuzz", dependencies: ["_FuzzMutators"]),

        // The command-line lab: parses, calls library modules, prints.
        .executableTarget(
            name: "gradlab",
            dependencies: [
                "Linalg",
                "Recurrent",
                "TensorIO",
                "Diagnostics",
                "Sweeps",
                "Lab",
                "ExperimentPlots",
                "Report",
                "Plotting",
                "Initializers",
                "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ComplexModule", package: "swift-numerics"),
            ]
        ),

        // Timings side by side with ../shared/bench/peers.py (not a test). Build with -c release.
        .executableTarget(
            name: "gradlab-bench",
            dependencies: [
                "Linalg",
                "Recurrent",
                "Diagnostics",
                "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics", "Recurrent", "Linalg"]),
        .testTarget(name: "RecurrentTests", dependencies: ["Recurrent", "Linalg", "TensorIO"]),
        .testTarget(name: "TensorIOTests", dependencies: ["TensorIO", "Linalg"]),
        .testTarget(name: "FuzzTests", dependencies: ["_FuzzMutators"]),
        .testTarget(name: "InitializersTests", dependencies: ["Initializers", "TensorIO", "Linalg"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        // The command line end to end: runs the built `gradlab` as a child process (imports no executable).
        .testTarget(name: "CLITests", dependencies: ["gradlab", "_TestSupport", "Initializers", "Recurrent", "TensorIO", "Linalg"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Recurrent", "Linalg"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Sweeps", "Lab", "_ExperimentsFixtures", "_TestSupport", "Initializers", "Linalg", "Training", "_experiments-fixture-runner"]
        ),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Sweeps", "ExperimentPlots", "Linalg", "Recurrent", "Diagnostics", "Training"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Lab", "Sweeps", "_ExperimentsFixtures", "_TestSupport", "Linalg"]),
        .testTarget(name: "ExperimentPlotsTests", dependencies: ["ExperimentPlots", "Lab", "Sweeps", "_ExperimentsFixtures", "Plotting", "Linalg"]),
    ],
    swiftLanguageModes: [.v6]
)
