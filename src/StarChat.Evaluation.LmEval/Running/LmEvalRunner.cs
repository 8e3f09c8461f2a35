using System.Collections.Concurrent;
using System.Diagnostics;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tasks;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.LmEval.Running;

/// <summary>Settings of a run that are not the model's.</summary>
public sealed record LmEvalOptions
{
    /// <summary>Shots for every task without its own (<c>task:N</c>); null for each task's leaderboard default.</summary>
    public int? NumFewShot { get; init; }

    /// <summary>Score only the first N documents of each task, in file order; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>The harness's <c>max_gen_toks</c> for generation tasks.</summary>
    public int MaxGenTokens { get; init; } = 256;

    /// <summary>Generation documents a worker advances together (one batched model pass per token).</summary>
    public int GenerationBatch { get; init; } = 8;

    /// <summary>The end-of-text token id (an empty context becomes this token).</summary>
    public int EndOfTextId { get; init; }

    /// <summary>The end-of-text string, appended to generation stop strings as the harness does.</summary>
    public string EndOfText { get; init; } = "<|endoftext|>";
}

/// <summary>Progress of a task: documents scored so far.</summary>
/// <param name="Task">Harness task name.</param>
/// <param name="Done">Documents scored.</param>
/// <param name="Total">Documents to score.</param>
public readonly record struct RunProgress(string Task, int Done, int Total);

/// <summary>
/// Runs tasks the way LE-PIN's evaluator does: documents and few-shot examples from <see cref="FewShotPlan"/>,
/// requests built by the task and tokenized by <see cref="RequestEncoder"/>, each document's requests scored together
/// by one backend worker (longest documents first, several workers in parallel), metrics averaged with their standard
/// errors.
/// </summary>
public sealed class LmEvalRunner(IScoringBackend backend, ByteLevelBpeTokenizer tokenizer, LmEvalOptions options)
{
    private long _encodeTicks;

    /// <summary>Scores one task.</summary>
    /// <param name="task">The task.</param>
    /// <param name="fewShot">Shots; null for <see cref="LmEvalOptions.NumFewShot"/> or else the task's default.</param>
    /// <param name="group">Group name for the report (<c>mmlu</c>), if any.</param>
    /// <param name="progress">Told after each document.</param>
    /// <param name="cancellationToken">Stops between documents.</param>
    /// <exception cref="LmEvalException">The shot count cannot be met or a request cannot be scored.</exception>
    public TaskResult Run(LmTask task, int? fewShot = null, string? group = null, IProgress<RunProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        int shots = fewShot ?? options.NumFewShot ?? task.DefaultFewShot;
        var plan = FewShotPlan.Create(task, shots);
        int count = Math.Min(task.DocumentCount, options.Limit ?? int.MaxValue);
        var documents = Enumerable.Range(0, count).Select(i => task.Build(i, plan.Examples(i))).ToArray();

        // Longest first, as the harness orders its requests: the slowest documents start early, so parallel
        // workers finish together. Character length stands in for token length (the order changes no result).
        var queue = new ConcurrentQueue<TaskDocument>(documents.OrderByDescending(d => d.Context.Length + d.Requests.Sum(r => r.Continuation.Length)));
        var records = new DocumentRecord[count];
        int groupSize = documents.Any(d => d.GenerationStops is not null) ? Math.Max(1, options.GenerationBatch) : 1;
        int done = 0;
        _encodeTicks = 0;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(backend.Workers, count))).Select(_ => backend.CreateWorker()).ToArray();
        // A failing worker stops the others at their next document; workers are disposed only after all have stopped.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var threads = workers.Select(worker => Task.Factory.StartNew(() =>
            {
                try
                {
                    var batch = new List<TaskDocument>();
                    while (true)
                    {
                        batch.Clear();
                        while (batch.Count < groupSize && queue.TryDequeue(out var doc))
                            batch.Add(doc);
                        if (batch.Count == 0)
                            break;
                        stop.Token.ThrowIfCancellationRequested();
                        foreach (var record in ScoreBatch(task, batch, plan, worker, stop.Token))
                        {
                            records[record.DocId] = record;
                            progress?.Report(new RunProgress(task.Name, Interlocked.Increment(ref done), count));
                        }
                    }
                }
                catch
                {
                    stop.Cancel();
                    throw;
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            Task.WaitAll(threads, CancellationToken.None);
        }
        catch (AggregateException e)
        {
            // The first real failure, not the cancellations it caused in the other workers.
            var first = e.InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            throw;
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }

        return new TaskResult
        {
            Task = task.Name,
            Version = task.Version,
            FewShot = shots,
            Group = group,
            LeaderboardMetric = task.LeaderboardMetric,
            Metrics = [.. task.MetricNames.Select(m =>
            {
                var values = records.Select(r => r.Metrics[m]).ToArray();
                return new MetricValue(m, Tasks.Metrics.Mean(values), Tasks.Metrics.MeanStderr(values));
            })],
            Documents = records,
            DataNotes = task.DataNotes,
            Elapsed = watch.Elapsed,
            EncodeTime = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _encodeTicks)),
        };
    }

    private IEnumerable<DocumentRecord> ScoreBatch(LmTask task, List<TaskDocument> docs, FewShotPlan plan, IScoringWorker worker,
        CancellationToken cancellationToken)
    {
        if (docs.All(d => d.GenerationStops is null))
            return [.. docs.Select(d => Score(task, d, plan, worker, cancellationToken))];

        long start = Stopwatch.GetTimestamp();
        var prompts = docs.Select(d => tokenizer.Encode(d.Context)).ToArray();
        Interlocked.Add(ref _encodeTicks, Stopwatch.GetTimestamp() - start);
        var inputs = docs.Select((d, i) => new GenerationInput(prompts[i], [.. d.GenerationStops!, options.EndOfText], options.MaxGenTokens)).ToArray();
        var outputs = worker.GenerateMany(inputs, cancellationToken);
        return [.. docs.Select((d, i) => Record(task, d, plan, [], [], new GenerationRecord(prompts[i].Length, outputs[i])))];
    }

    private DocumentRecord Score(LmTask task, TaskDocument doc, FewShotPlan plan, IScoringWorker worker, CancellationToken cancellationToken)
    {
        // TruthfulQA sends many answers twice (mc1 and mc2 lists): each distinct request is scored once.
        var distinct = doc.Requests.Distinct().ToArray();
        long start = Stopwatch.GetTimestamp();
        var encoded = distinct.Select(r => RequestEncoder.Encode(tokenizer, r, options.EndOfTextId)).ToArray();
        Interlocked.Add(ref _encodeTicks, Stopwatch.GetTimestamp() - start);
        var scored = worker.Loglikelihood(encoded, cancellationToken);
        var byRequest = distinct.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i);
        var results = doc.Requests.Select(r => scored[byRequest[r]]).ToArray();
        var requests = doc.Requests.Select(r => new RequestRecord(r.Context, r.Continuation, encoded[byRequest[r]].ContinuationIds, scored[byRequest[r]])).ToArray();
        return Record(task, doc, plan, results, requests, null);
    }

    private static DocumentRecord Record(LmTask task, TaskDocument doc, FewShotPlan plan, IReadOnlyList<LoglikelihoodResult> results,
        IReadOnlyList<RequestRecord> requests, GenerationRecord? generation)
    {
        var score = task.Score(doc, results, generation?.Output);
        return new DocumentRecord
        {
            Task = task.Name,
            DocId = doc.DocIndex,
            ShuffledPosition = plan.ShuffledPosition(doc.DocIndex),
            FewShotIndices = doc.FewShotIndices,
            Context = doc.Context,
            Requests = requests,
            Generation = generation,
            Metrics = score.Metrics,
            Predictions = score.Predictions,
        };
    }
}
