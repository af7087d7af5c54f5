// swift-tools-version: 6.1
// GradLab: a lab for gradient pathologies in recurrent networks.
import PackageDescription

let package = Package(
    name: "GradLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "Linalg", targets: ["Linalg"]),
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

        // Float64 matrices, BLAS/LAPACK wrappers, norms, seeded splittable random numbers.
        .target(
            name: "Linalg",
            dependencies: [
                "COpenBLAS",
                .product(name: "ComplexModule", package: "swift-numerics"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),

        // Cells (RNN, LSTM, GRU), unrolling, losses, exact BPTT, one-step Jacobians.
        .target(name: "Recurrent", dependencies: ["Linalg", "COpenBLAS"]),

        // Tasks (sequence generators with baselines), optimizers, clipping, training loop.
        .target(name: "Training", dependencies: ["Linalg", "Recurrent"]),

        // The command-line lab: parses, calls library modules, prints.
        .executableTarget(
            name: "gradlab",
            dependencies: [
                "Linalg",
                "Recurrent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "RecurrentTests", dependencies: ["Recurrent", "Linalg"], resources: [.copy("../Fixtures/Recurrent")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Recurrent", "Linalg"]),
    ],
    swiftLanguageModes: [.v6]
)
