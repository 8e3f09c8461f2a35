using System.Diagnostics;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Evaluation.LmEval.Running;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tasks;
using StarChat.Evaluation.LmEval.Tests.Models;
using StarChat.Text.Tokenization;

namespace StarChat.Benchmarks;

/// <summary>
/// Documents per second of <c>eval lm</c> scoring on a StarCoderBase-1B-shaped model with random F16 weights (no
/// checkpoint needed): <c>lmeval-throughput TASK[:SHOTS] DOCS BATCH [THREADS]</c>. Prints seconds, docs/s, tokens the
/// model evaluated and tokens/s per run; the first run includes JIT warm-up, so two runs are made.
/// </summary>
internal static class LmEvalThroughput
{
    public static int Run(string taskSpec, int docs, int batch, int threads)
    {
        string shared = SharedFolder.Find();
        var tokenizer = ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(Path.Combine(shared, "fixtures", "tiny-starchat")).Definition);
        var selection = TaskRegistry.Parse(taskSpec).Single();
        var task = TaskRegistry.Load(selection.Name, Path.Combine(shared, "data", "lm-eval"));

        var build = Stopwatch.StartNew();
        var (source, weights) = RandomModel.Create(RandomModel.StarCoderBase1B, TensorType.F16);
        Console.WriteLine($"random 1B-shaped F16 weights built in {build.Elapsed.TotalSeconds:F1} s");
        int cores = threads > 0 ? threads : Environment.ProcessorCount;
        var replicas = Enumerable.Range(0, batch).Select(_ => new GptBigCodeModel(weights, new ModelOptions { Threads = Math.Max(1, cores / batch) })).ToArray();
        var counted = replicas.Select(r => new CountingModel(r)).ToArray();
        try
        {
            using var backend = new LocalModelBackend(counted, tokenizer, [0], "random StarCoderBase-1B shapes");
            var runner = new LmEvalRunner(backend, tokenizer, new LmEvalOptions { Limit = docs, MaxGenTokens = 256 });
            for (int run = 0; run < 2; run++)
            {
                long before = counted.Sum(c => c.TokensEvaluated);
                var result = runner.Run(task, selection.FewShot);
                long tokens = counted.Sum(c => c.TokensEvaluated) - before;
                Console.WriteLine($"{task.Name} {result.FewShot}-shot, {result.Documents.Count} docs, batch {batch}, {cores} threads: "
                    + $"{result.Elapsed.TotalSeconds:F1} s, {result.DocumentsPerSecond:F3} docs/s, {tokens} tokens evaluated, "
                    + $"{tokens / Math.Max(1e-9, result.Elapsed.TotalSeconds):F1} tokens/s");
            }
        }
        finally
        {
            foreach (var r in replicas) r.Dispose();
            source.Dispose();
        }
        return 0;
    }
}
