import Foundation
import Linalg
import Testing
@testable import Training

/// Each generator against its written definition: marker positions, target formula, lengths.
@Suite struct TaskDefinitionTests {
    func markers(_ batch: TaskBatch, _ b: Int) -> [Int] {
        (0..<batch.length).filter { batch.input(b, $0, 1) == 1 }
    }
    func symbol(_ batch: TaskBatch, _ b: Int, _ t: Int) -> Int {
        let row = (0..<batch.inputSize).map { batch.input(b, t, $0) }
        #expect(row.filter { $0 == 1 }.count == 1 && row.filter { $0 == 0 }.count == row.count - 1, "not one-hot")
        return row.firstIndex(of: 1) ?? -1
    }
    func classTarget(_ batch: TaskBatch, _ b: Int, _ t: Int) -> Int {
        guard case .classes(let c) = batch.targets else { return -2 }
        return c[b * batch.length + t]
    }
    func realTarget(_ batch: TaskBatch, _ b: Int) -> Double {
        guard case .real(let v) = batch.targets else { return .nan }
        return v[b * batch.length + batch.length - 1]
    }

    @Test func hochreiterAdding() throws {
        let t = 40, k = t / 2 - 1
        let task = try AddingProblem(variant: .hochreiter1997, length: t)
        var rng = RandomStream(seed: 1)
        var lengths = Set<Int>(), firstMarks = Set<Int>(), secondMax = 0, zeroed = 0
        for _ in 0..<200 {
            let batch = task.makeBatch(batchSize: 20, rng: &rng)
            let l = batch.length
            lengths.insert(l)
            for b in 0..<batch.batchSize {
                #expect(batch.scoredSteps(of: b) == [l - 1])
                let m = markers(batch, b)
                #expect(m.count == 2)
                #expect(m.contains { $0 < 10 })
                #expect(m.allSatisfy { $0 <= k }, "second mark among the first K unmarked steps")
                firstMarks.formUnion(m.filter { $0 < 10 })
                secondMax = max(secondMax, m.max() ?? 0)
                for s in 0..<l where !m.contains(s) {
                    #expect(batch.input(b, s, 1) == (s == 0 || s == l - 1 ? -1 : 0))
                }
                for s in 0..<l { #expect(batch.input(b, s, 0) >= -1 && batch.input(b, s, 0) < 1) }
                if m.contains(0) { #expect(batch.input(b, 0, 0) == 0); zeroed += 1 }
                let sum = m.map { batch.input(b, $0, 0) }.reduce(0, +)
                #expect(abs(realTarget(batch, b) - (0.5 + sum / 4)) < 1e-15)
            }
        }
        #expect(lengths == Set(t...(t + t / 10)))
        #expect(firstMarks == Set(0..<10))
        #expect(secondMax == k)
        #expect(zeroed > 0)
    }

    @Test(arguments: ["adding-pascanu2013", "multiplication"])
    func pascanuTwoMarker(name: String) throws {
        let t = 50
        let task = try TaskCatalog.make(name, length: t)
        var rng = RandomStream(seed: 2)
        var lengths = Set<Int>()
        for _ in 0..<100 {
            let batch = task.makeBatch(batchSize: 20, rng: &rng)
            let l = batch.length
            lengths.insert(l)
            for b in 0..<batch.batchSize {
                let m = markers(batch, b)
                #expect(m.count == 2)
                #expect(m[0] < l / 10 && m[1] >= l / 10 && m[1] < l / 10 + l * 4 / 10)
                #expect((0..<l).allSatisfy { [0.0, 1.0].contains(batch.input(b, $0, 1)) })
                let (a, c) = (batch.input(b, m[0], 0), batch.input(b, m[1], 0))
                let expected = name == "multiplication" ? a * c : (a + c) / 2
                #expect(abs(realTarget(batch, b) - expected) < 1e-15)
            }
        }
        #expect(lengths == Set(t..<(t + t / 10)))
    }

    @Test func arjovskyAdding() throws {
        let t = 31
        let task = try AddingProblem(variant: .arjovsky2016, length: t)
        var rng = RandomStream(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<60 {
            let batch = task.makeBatch(batchSize: 20, rng: &rng)
            #expect(batch.length == t)
            for b in 0..<batch.batchSize {
                let m = markers(batch, b)
                #expect(m.count == 2 && m[0] < t / 2 && m[1] >= t / 2)
                seen.formUnion(m)
                #expect(abs(realTarget(batch, b) - (batch.input(b, m[0], 0) + batch.input(b, m[1], 0))) < 1e-15)
            }
        }
        #expect(seen == Set(0..<t))
    }

    @Test func copyMemory() throws {
        let t = 15
        let task = try CopyMemory(length: t)
        var rng = RandomStream(seed: 4)
        let batch = task.makeBatch(batchSize: 50, rng: &rng)
        #expect(batch.length == t + 20 && batch.scoredCount == 50 * (t + 20))
        for b in 0..<50 {
            let symbols = (0..<batch.length).map { symbol(batch, b, $0) }
            #expect(symbols[0..<10].allSatisfy { (1...8).contains($0) })
            #expect(symbols[10..<(t + 9)].allSatisfy { $0 == 0 })
            #expect(symbols[t + 9] == 9)
            #expect(symbols[(t + 10)...].allSatisfy { $0 == 0 })
            let targets = (0..<batch.length).map { classTarget(batch, b, $0) }
            #expect(targets[0..<(t + 10)].allSatisfy { $0 == 0 })
            #expect(Array(targets[(t + 10)...]) == Array(symbols[0..<10]))
        }
    }

    @Test(arguments: [2, 3])
    func temporalOrder(bits: Int) throws {
        let t = 60, width = t / 10
        let task = try TemporalOrder(bits: bits, length: t)
        var rng = RandomStream(seed: 5)
        var labels = Set<Int>()
        for _ in 0..<20 {
            let batch = task.makeBatch(batchSize: 20, rng: &rng)
            for b in 0..<batch.batchSize {
                let symbols = (0..<t).map { symbol(batch, b, $0) }
                let relevant = (0..<t).filter { symbols[$0] < 2 }
                #expect(relevant.count == bits)
                for (p, tenth) in zip(relevant, task.windowTenths) {
                    #expect(p >= t * tenth / 10 && p < t * tenth / 10 + width)
                }
                let label = relevant.enumerated().map { symbols[$0.element] << $0.offset }.reduce(0, +)
                #expect(batch.scoredSteps(of: b) == [t - 1] && classTarget(batch, b, t - 1) == label)
                labels.insert(label)
            }
        }
        #expect(labels == Set(0..<(1 << bits)))
    }

    @Test func randomPermutation() throws {
        let task = try RandomPermutation(length: 25)
        var rng = RandomStream(seed: 6)
        let batch = task.makeBatch(batchSize: 100, rng: &rng)
        for b in 0..<100 {
            let symbols = (0..<25).map { symbol(batch, b, $0) }
            #expect(symbols[0] < 2 && symbols[1...].allSatisfy { (2..<100).contains($0) })
            #expect(batch.scoredSteps(of: b) == [24] && classTarget(batch, b, 24) == symbols[0])
        }
    }

    @Test func memorization() throws {
        let (t, p, n) = (12, 10, 5)
        let task = try Memorization(length: t)
        var rng = RandomStream(seed: 8)
        let batch = task.makeBatch(batchSize: 30, rng: &rng)
        #expect(batch.length == t + 2 * p && batch.inputSize == n + 2)
        for b in 0..<30 {
            let symbols = (0..<batch.length).map { symbol(batch, b, $0) }
            #expect(symbols[0..<p].allSatisfy { $0 < n })
            #expect((p..<batch.length).allSatisfy { symbols[$0] == ($0 == t + p ? n + 1 : n) })
            let targets = (0..<batch.length).map { classTarget(batch, b, $0) }
            #expect(targets[0..<(t + p)].allSatisfy { $0 == n })
            #expect(Array(targets[(t + p)...]) == Array(symbols[0..<p]))
        }
    }

    @Test func sentimentCorpus() throws {
        var rng = RandomStream(seed: 9)
        let batch = SentimentCorpus().makeBatch(batchSize: 7, rng: &rng)
        #expect(batch.batchSize == 2 && batch.length == 6 && batch.inputSize == 3)
        #expect(batch.scoredSteps(of: 0) == [5] && batch.scoredSteps(of: 1) == [3])
        #expect(classTarget(batch, 0, 5) == 1 && classTarget(batch, 1, 3) == 0)
        #expect(batch.sequence(0).row(1) == [0.4, 0.1, 0.5])   // "love"
        #expect(batch.sequence(1).row(1) == [0.7, 0.8, 0.1])   // "hate"
        #expect(batch.sequence(1).row(4) == [0, 0, 0] && batch.sequence(1).row(5) == [0, 0, 0])
    }

    @Test func sameSeedSameBatch() throws {
        for name in TaskCatalog.names {
            let task = try TaskCatalog.make(name, length: 30)
            var r1 = RandomStream(seed: 42, stream: 3), r2 = RandomStream(seed: 42, stream: 3)
            #expect(task.makeBatch(batchSize: 4, rng: &r1) == task.makeBatch(batchSize: 4, rng: &r2))
        }
    }

    @Test func catalogErrors() throws {
        #expect(throws: TaskError.unknownTask("adding", known: TaskCatalog.names)) { try TaskCatalog.make("adding", length: 10) }
        #expect(throws: TaskError.lengthTooShort(task: "adding-hochreiter1997", length: 20, minimum: 22)) {
            try TaskCatalog.make("adding-hochreiter1997", length: 20)
        }
        #expect(try TaskCatalog.make("adding-le2015", length: 10).name == "adding-arjovsky2016")
        let e = TaskError.unknownTask("x", known: ["a", "b"])
        #expect(e.description == "unknown task 'x'; known tasks: a, b")
    }

    @Test func malformedBatchesAreErrors() throws {
        #expect(throws: TaskError.self) {
            try TaskBatch(batchSize: 2, length: 3, inputSize: 1, output: .regression(size: 1), inputs: [0, 0],
                          targets: .real([Double](repeating: 0, count: 6)), lossMask: [Bool](repeating: true, count: 6))
        }
        #expect(throws: TaskError.self) {
            try TaskBatch(batchSize: 1, length: 1, inputSize: 1, output: .classification(classes: 3), inputs: [0],
                          targets: .classes([3]), lossMask: [true])
        }
        let ok = try TaskBatch(batchSize: 1, length: 1, inputSize: 1, output: .classification(classes: 3), inputs: [0],
                               targets: .classes([2]), lossMask: [true])
        #expect(throws: TaskError.self) { try TaskLoss(outputs: [0, 0], batch: ok, criterion: .allStepsCorrect(maxErrorRate: 0)) }
    }

    @Test func lossAndCorrectness() throws {
        // Regression (H&S rule): errors 0.03 (correct) and 0.05 (wrong); loss (0.03² + 0.05²)/2.
        var batch = TaskBatch(zeroBatchSize: 2, length: 2, inputSize: 1, output: .regression(size: 1))
        batch.setReal(0, 1, [1.0]); batch.setReal(1, 1, [2.0])
        let loss = try TaskLoss(outputs: [9, 1.03, 9, 1.95], batch: batch,
                            criterion: .absoluteError(tolerance: 0.04, maxErrorRate: 0.01))
        #expect(abs(loss.loss - (0.03 * 0.03 + 0.05 * 0.05) / 2) < 1e-15)
        #expect(loss.sequenceCorrect == [true, false])
        // Classification: logits (0, log 3) against class 1 → −log(3/4).
        var c = TaskBatch(zeroBatchSize: 1, length: 1, inputSize: 1, output: .classification(classes: 2))
        c.setClass(0, 0, 1)
        let ce = try TaskLoss(outputs: [0, log(3)], batch: c, criterion: .allStepsCorrect(maxErrorRate: 0))
        #expect(abs(ce.loss + log(0.75)) < 1e-15 && ce.accuracy == 1)
        // Binary: the worked example's output 0.778 against label 1 → −log σ(0.778) ≈ 0.378.
        var s = TaskBatch(zeroBatchSize: 1, length: 1, inputSize: 1, output: .binary)
        s.setClass(0, 0, 1)
        let bce = try TaskLoss(outputs: [0.778], batch: s, criterion: .allStepsCorrect(maxErrorRate: 0))
        #expect(abs(bce.loss + log(1 / (1 + exp(-0.778)))) < 1e-15 && abs(bce.loss - 0.378) < 0.0005)
        #expect(TaskLoss.isSolved(loss: 1, accuracy: 0.99, criterion: .squaredError(tolerance: 0.04, maxErrorRate: 0.01)))
        #expect(!TaskLoss.isSolved(loss: 0.02, accuracy: 0, criterion: .meanLossBelow(0.01)))
    }
}
