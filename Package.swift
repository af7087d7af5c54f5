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

        // Charts over a small renderer protocol; Cairo writes PNG, SVG and PDF.
        .target(name: "Plotting", dependencies: ["CCairo"]),

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
                "Plotting",
                "Initializers",
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
    ],
    swiftLanguageModes: [.v6]
)
