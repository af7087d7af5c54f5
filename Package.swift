// swift-tools-version: 6.1
// GradLab: a lab for gradient pathologies in recurrent networks.
import PackageDescription

let package = Package(
    name: "GradLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "Linalg", targets: ["Linalg"]),
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
        .target(name: "Recurrent", dependencies: ["Linalg"]),

        // Experiment files (YAML schema, grids, seeding), the parallel runner and its SQLite/CSV store.
        .target(
            name: "Experiments",
            dependencies: [
                "Linalg",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // A synthetic executor (no numerics) and a child process running it, for the runner's tests.
        .target(name: "ExperimentsFixtures", dependencies: ["Experiments", "Linalg"]),
        .executableTarget(name: "experiments-fixture-runner", dependencies: ["Experiments", "ExperimentsFixtures"]),

        // The command-line lab: parses, calls library modules, prints.
        .executableTarget(
            name: "gradlab",
            dependencies: [
                "Linalg",
                "Recurrent",
                "Experiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Experiments", "ExperimentsFixtures", "Linalg", "experiments-fixture-runner"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
