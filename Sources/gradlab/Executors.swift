import Experiments

/// The executors `gradlab run` uses, by mode. The runner (module Experiments) knows no numerics;
/// this is where they are wired: the Diagnostics module registers `gradient-flow` and `lyapunov`
/// here (see docs/experiments.md, "Executors").
enum StandardExecutors {
    static var registry: ExecutorRegistry {
        ExecutorRegistry()
    }
}
