using StarChat.Evaluation.LmEval.Python;

namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>
/// Which documents get which few-shot examples, as LE-PIN's <c>evaluate</c> decides it: a fresh
/// <c>random.Random(42)</c> shuffles the scored documents, then, walking the shuffled list, the same generator draws
/// <c>sample(pool, k)</c> for each document. A document's examples thus depend on its shuffled position and on every
/// draw before it; the whole walk is simulated (cheap), so scoring the first N documents in file order gives each the
/// examples the full harness run would.
/// </summary>
public sealed class FewShotPlan
{
    private readonly int[] _position;
    private readonly int[][] _examples;

    private FewShotPlan(int[] position, int[][] examples)
    {
        _position = position;
        _examples = examples;
    }

    /// <summary>The harness's seed for the document shuffle and the few-shot draws.</summary>
    public const int HarnessSeed = 42;

    /// <summary>Plans <paramref name="shots"/> examples for every document of <paramref name="task"/>.</summary>
    /// <exception cref="LmEvalException">The task cannot give that many examples (no pool, or a pool smaller than k).</exception>
    public static FewShotPlan Create(LmTask task, int shots, int seed = HarnessSeed)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentOutOfRangeException.ThrowIfNegative(shots);
        int n = task.DocumentCount;
        var rng = new PythonRandom(seed);
        var order = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(order);
        var position = new int[n];
        for (int p = 0; p < n; p++)
            position[order[p]] = p;

        var examples = new int[n][];
        if (shots == 0)
        {
            Array.Fill(examples, []);
        }
        else if (task.FewShotSource == FewShotSource.None)
        {
            throw new LmEvalException($"{task.Name} is zero-shot only; use {task.Name}:0 or --num-fewshot 0");
        }
        else if (task.FewShotSource == FewShotSource.FirstRows)
        {
            // Python slicing: asking for more rows than there are gives them all.
            int[] first = [.. Enumerable.Range(0, Math.Min(shots, task.FewShotPoolSize))];
            Array.Fill(examples, first);
        }
        else
        {
            if (task.FewShotPoolSize < shots)
                throw new LmEvalException(task.FewShotPoolSize == 0
                    ? $"{task.Name} has no few-shot pool in the data folder (see its data notes); use {task.Name}:0"
                    : $"{task.Name}: {shots} shots asked but the few-shot pool has {task.FewShotPoolSize} rows");
            foreach (int doc in order)
                examples[doc] = rng.SampleIndices(task.FewShotPoolSize, shots);
        }
        return new FewShotPlan(position, examples);
    }

    /// <summary>The document's position in the harness's shuffled order (the harness's <c>doc_id</c>).</summary>
    public int ShuffledPosition(int docIndex) => _position[docIndex];

    /// <summary>The pool rows used as the document's examples, in prompt order.</summary>
    public IReadOnlyList<int> Examples(int docIndex) => _examples[docIndex];
}
