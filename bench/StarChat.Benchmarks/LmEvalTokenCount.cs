using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tasks;
using StarChat.Text.Tokenization;

namespace StarChat.Benchmarks;

/// <summary>
/// <c>lmeval-tokens TASKS [SHOTS]</c>: how many tokens a full run must evaluate, with and without the prefix reuse
/// of the local scorer (shared context per document, cached beginning across consecutive documents), to turn a
/// measured tokens/s into a run-time estimate. No model is run; the counts follow the worker's rules for one worker.
/// </summary>
internal static class LmEvalTokenCount
{
    public static int Run(string tasks, int? shots)
    {
        string shared = SharedFolder.Find();
        var tokenizer = ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(Path.Combine(shared, "fixtures", "tiny-starchat")).Definition);
        long allNaive = 0, allReused = 0, allDocs = 0;
        foreach (var selection in TaskRegistry.Parse(tasks))
        {
            var task = TaskRegistry.Load(selection.Name, Path.Combine(shared, "data", "lm-eval"));
            var plan = FewShotPlan.Create(task, selection.FewShot ?? shots ?? task.DefaultFewShot);
            var docs = Enumerable.Range(0, task.DocumentCount).Select(i => task.Build(i, plan.Examples(i)))
                .OrderByDescending(d => d.Context.Length + d.Requests.Sum(r => r.Continuation.Length)).ToList();
            long naive = 0, reused = 0;
            int[] cached = [];
            foreach (var doc in docs)
            {
                var inputs = doc.Requests.Count == 0
                    ? [tokenizer.Encode(doc.Context)]
                    : doc.Requests.Distinct().Select(r => RequestEncoder.Encode(tokenizer, r, 0)).Select(e => e.FullIds[..^1]).ToList();
                naive += inputs.Sum(i => (long)i.Length);
                int prefix = inputs.Min(i => i.Length);
                foreach (var i in inputs) prefix = Math.Min(prefix, i.AsSpan().CommonPrefixLength(inputs[0]));
                int reuse = Math.Min(Math.Max(0, prefix - 1), cached.AsSpan().CommonPrefixLength(inputs[0].AsSpan(0, prefix)));
                reused += prefix - reuse + inputs.Sum(i => (long)(i.Length - prefix));
                cached = inputs[^1];
            }
            Console.WriteLine($"{task.Name}: {docs.Count} docs, {naive} tokens without reuse, {reused} evaluated ({reused / (double)docs.Count:F0}/doc)");
            allNaive += naive;
            allReused += reused;
            allDocs += docs.Count;
        }
        Console.WriteLine($"total: {allDocs} docs, {allNaive} tokens without reuse, {allReused} evaluated ({allReused / (double)allDocs:F0}/doc)");
        return 0;
    }
}
