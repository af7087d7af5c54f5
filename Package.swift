// swift-tools-version: 6.1
// GradLab: a lab for gradient pathologies in recurrent networks.
import PackageDescription

let package = Package(
    name: "GradLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "Linalg", targets: ["Linalg"]),
        .library(name: "TensorIO", targets: ["TensorIO"]),
        .library(name: "Initializers", targets: ["Initializers"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Training", targets: ["Training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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

        // Float64 matrices, BLAS/LAPACK wrappers, norms, seeded splittable random numbers.
        .target(
            name: "Linalg",
            dependencies: [
                "COpenBLAS",
                .product(name: "ComplexModule", package: "swift-numerics"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),

        // Tensor files: .npy (1.0–3.0), .npz (stored/deflated zip), .safetensors; validated, never trusting headers.
        .target(name: "TensorIO", dependencies: ["Linalg", "CZlib"]),

        // Weight initializers (PyTorch's definitions), Haar matrices, spectrum control, InitSpec.
        .target(name: "Initializers", dependencies: ["Linalg", "TensorIO", .product(name: "ComplexModule", package: "swift-numerics"),
                                                    .product(name: "RealModule", package: "swift-numerics")]),

        // Cells (RNN, LSTM, GRU), unrolling, losses, exact BPTT, one-step Jacobians.
        .target(name: "Recurrent", dependencies: ["Linalg", "COpenBLAS", "TensorIO"]),

        // Gradient flow through time, Jacobian-product spectra, Lyapunov spectra, theory overlays.
        .target(name: "Diagnostics", dependencies: ["Linalg", "Recurrent", "COpenBLAS"]),

        // Experiment files (YAML schema, grids, seeding), the parallel runner and its SQLite/CSV store.
        .target(
            name: "Experiments",
            dependencies: [
                "Linalg",
                "Initializers",
                "Training",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // A synthetic executor (no numerics) and a child process running it, for the runner's tests.
        .target(name: "ExperimentsFixtures", dependencies: ["Experiments", "Initializers", "Linalg"]),
        .executableTarget(name: "experiments-fixture-runner", dependencies: ["Experiments", "ExperimentsFixtures"]),
        // Charts over a small renderer protocol; Cairo writes PNG, SVG and PDF.
        .target(name: "Plotting", dependencies: ["CCairo"]),
        // A run directory's declared plots: reads results.sqlite, draws Plotting recipes into plots/.
        .target(name: "ExperimentPlots", dependencies: ["Experiments", "Plotting"]),

        // Tasks (sequence generators with baselines), optimizers, clipping, training loop.
        .target(name: "Training", dependencies: ["Linalg", "Recurrent"]),

        // The command-line lab: parses, calls library modules, prints.
        .executableTarget(
            name: "gradlab",
            dependencies: [
                "Linalg",
                "Recurrent",
                "TensorIO",
                "Diagnostics",
                "Experiments",
                "ExperimentPlots",
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
        .testTarget(name: "InitializersTests", dependencies: ["Initializers", "TensorIO", "Linalg"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "InitCLITests", dependencies: ["gradlab", "Initializers", "TensorIO", "Linalg"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Recurrent", "Linalg"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Experiments", "ExperimentsFixtures", "Initializers", "Linalg", "Training", "experiments-fixture-runner"]
        ),
        .testTarget(name: "RunCLITests", dependencies: ["gradlab", "Experiments", "ExperimentPlots", "Linalg", "Training"]),
        .testTarget(name: "ExperimentPlotsTests", dependencies: ["ExperimentPlots", "Experiments", "ExperimentsFixtures", "Plotting", "Linalg"]),
    ],
    swiftLanguageModes: [.v6]
)
