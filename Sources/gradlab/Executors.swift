import Experiments

/// The executors `gradlab run` uses, by mode. The runner (module Experiments) knows no numerics;
/// this is where they are wired (see docs/experiments.md, "Executors").
enum StandardExecutors {
    static var registry: ExecutorRegistry {
        var registry = ExecutorRegistry()
        DiagnosticsExecutors.register(into: &registry)
        TrainExecutors.register(into: &registry)
        return registry
    }
}
