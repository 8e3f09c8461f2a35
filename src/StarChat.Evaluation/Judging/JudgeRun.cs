using System.Text.Json.Serialization;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Running;
using StarChat.Text.Chat;

namespace StarChat.Evaluation.Judging;

/// <summary>How answers are judged.</summary>
public enum JudgeMode
{
    /// <summary>FastChat <c>pair-v2</c> / <c>pair-math-v1</c>: A, B or tie, asked in both orders.</summary>
    Pairwise,
    /// <summary>FastChat <c>single-v1</c> / <c>single-math-v1</c>: a 1–10 rating per answer.</summary>
    Single,
    /// <summary>The Vicuna 2023 reviewer the StarChat blog adapted: two scores on the first line, asked in both orders.</summary>
    Scores,
}

/// <summary>One judged item: a line of <c>judgments.jsonl</c>.</summary>
public sealed record JudgmentRecord
{
    /// <summary>question_id.</summary>
    [JsonPropertyName("question_id")] public required string QuestionId { get; init; }

    /// <summary>Turn judged (1 or 2).</summary>
    [JsonPropertyName("turn")] public int Turn { get; init; } = 1;

    /// <summary>Mode.</summary>
    [JsonPropertyName("mode")] public required string Mode { get; init; }

    /// <summary>Model judged (single) or shown first in the first order (pairwise, scores).</summary>
    [JsonPropertyName("model_a")] public required string ModelA { get; init; }

    /// <summary>The other model (pairwise, scores).</summary>
    [JsonPropertyName("model_b")] public string? ModelB { get; init; }

    /// <summary>Judge prompt name.</summary>
    [JsonPropertyName("prompt")] public required string Prompt { get; init; }

    /// <summary>Judge output with model A first (single: the only one).</summary>
    [JsonPropertyName("g1_judgment")] public required string G1Judgment { get; init; }

    /// <summary>Judge output with model B first.</summary>
    [JsonPropertyName("g2_judgment")] public string? G2Judgment { get; init; }

    /// <summary>Pairwise and scores: <c>model_a</c>, <c>model_b</c>, <c>tie</c>, or <c>error</c> (a verdict unreadable).
    /// An order-dependent verdict (each order prefers the answer in the same position) is a tie, as FastChat counts it.</summary>
    [JsonPropertyName("winner")] public string? Winner { get; init; }

    /// <summary>Single: the rating (−1 when unreadable, as FastChat writes). Scores: model A's mean over both orders.</summary>
    [JsonPropertyName("score_a")] public double? ScoreA { get; init; }

    /// <summary>Scores: model B's mean over both orders.</summary>
    [JsonPropertyName("score_b")] public double? ScoreB { get; init; }
}

/// <summary>What <see cref="JudgeRun"/> needs.</summary>
public sealed record JudgeRunOptions
{
    /// <summary>Questions.</summary>
    public required IReadOnlyList<JudgeQuestion> Questions { get; init; }

    /// <summary>Model A's answers by question id.</summary>
    public required IReadOnlyDictionary<string, AnswerRecord> AnswersA { get; init; }

    /// <summary>Model B's answers (required for pairwise and scores; optional for single).</summary>
    public IReadOnlyDictionary<string, AnswerRecord>? AnswersB { get; init; }

    /// <summary>Reference answers by question id (for math, reasoning and coding questions).</summary>
    public IReadOnlyDictionary<string, AnswerRecord>? References { get; init; }

    /// <summary>FastChat judge prompts by name.</summary>
    public IReadOnlyDictionary<string, JudgePrompt> Prompts { get; init; } = new Dictionary<string, JudgePrompt>();

    /// <summary>Vicuna 2023 reviewer prompts by category (scores mode).</summary>
    public IReadOnlyDictionary<string, JudgePrompt> Reviewers { get; init; } = new Dictionary<string, JudgePrompt>();

    /// <summary>Mode.</summary>
    public JudgeMode Mode { get; init; } = JudgeMode.Pairwise;

    /// <summary>The judge.</summary>
    public required IChatBackend Judge { get; init; }

    /// <summary>judgments.jsonl path (appended; existing judgments are reused, so an interrupted run resumes).</summary>
    public required string OutputFile { get; init; }

    /// <summary>Judge requests in flight.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Receives (done, total) after each judgment.</summary>
    public IProgress<(int Done, int Total)>? Progress { get; init; }
}

/// <summary>
/// Judges two models' answers (or one model's) with an LLM judge, FastChat-style: per question and turn, with
/// reference answers for math, reasoning and coding questions, both presentation orders for pairwise and scores
/// (to cancel position bias), and verdicts that fail to parse recorded as errors rather than thrown.
/// </summary>
public static class JudgeRun
{
    /// <summary>FastChat's judge settings: greedy, up to 2048 tokens.</summary>
    public static ChatJob JudgeJob(IReadOnlyList<ChatMessage> messages) => new() { Messages = messages, Temperature = 0, MaxNewTokens = 2048 };

    /// <summary>Runs (or resumes) the judging and returns every judgment, old and new.</summary>
    /// <exception cref="ArgumentException">A mode needs model B's answers or a prompt that was not given.</exception>
    public static async Task<IReadOnlyList<JudgmentRecord>> RunAsync(JudgeRunOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Mode != JudgeMode.Single && options.AnswersB is null)
            throw new ArgumentException($"{options.Mode} judging compares two models: give --answers-b", nameof(options));
        var file = new JsonlFile(options.OutputFile);
        file.DropTornTail();
        var done = file.ReadAll<JudgmentRecord>().ToDictionary(Key);
        var pending = Plan(options).Where(item => !done.ContainsKey(item.Key)).ToList();
        int total = done.Count + pending.Count, finished = done.Count;
        options.Progress?.Report((finished, total));
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var record = await item.Judge(ct).ConfigureAwait(false);
                file.Append(record);
                lock (done) done[Key(record)] = record;
                options.Progress?.Report((Interlocked.Increment(ref finished), total));
            }).ConfigureAwait(false);
        return [.. done.Values.OrderBy(r => r.QuestionId, StringComparer.Ordinal).ThenBy(r => r.Turn).ThenBy(r => r.ModelA, StringComparer.Ordinal)];
    }

    private static string Key(JudgmentRecord r) => $"{r.Mode}|{r.QuestionId}|{r.Turn}|{r.ModelA}|{r.ModelB}";

    private sealed record Item(string Key, Func<CancellationToken, Task<JudgmentRecord>> Judge);

    private static IEnumerable<Item> Plan(JudgeRunOptions o)
    {
        string mode = o.Mode.ToString().ToLowerInvariant();
        foreach (var q in o.Questions)
        {
            if (!o.AnswersA.TryGetValue(q.Id, out var a)) continue;
            AnswerRecord? b = null;
            if (o.AnswersB is not null && !o.AnswersB.TryGetValue(q.Id, out b) && o.Mode != JudgeMode.Single) continue;
            AnswerRecord? reference = null;
            bool useReference = JudgeQuestion.ReferenceCategories.Contains(q.Category) && o.References is not null && o.References.TryGetValue(q.Id, out reference);
            // The Vicuna reviewer judges single-turn questions; FastChat judges each turn of multi-turn ones.
            int turns = o.Mode == JudgeMode.Scores ? 1 : Math.Min(q.Turns.Count, 2);
            for (int turn = 1; turn <= turns; turn++)
            {
                int t = turn;
                if (o.Mode == JudgeMode.Single)
                {
                    foreach (var answer in b is null ? [a] : new[] { a, b })
                    {
                        var rec = answer;
                        yield return new Item($"{mode}|{q.Id}|{t}|{ModelName(rec)}|", ct => Single(o, q, rec, useReference ? reference : null, t, ct));
                    }
                }
                else if (o.Mode == JudgeMode.Pairwise)
                {
                    yield return new Item($"{mode}|{q.Id}|{t}|{ModelName(a)}|{ModelName(b!)}", ct => Pairwise(o, q, a, b!, useReference ? reference : null, t, ct));
                }
                else
                {
                    yield return new Item($"{mode}|{q.Id}|{t}|{ModelName(a)}|{ModelName(b!)}", ct => Scores(o, q, a, b!, ct));
                }
            }
        }
    }

    private static string ModelName(AnswerRecord r) => r.ModelId.Length > 0 ? r.ModelId : "model";

    private static async Task<JudgmentRecord> Pairwise(JudgeRunOptions o, JudgeQuestion q, AnswerRecord a, AnswerRecord b, AnswerRecord? reference, int turn, CancellationToken ct)
    {
        string name = (reference is not null ? "pair-math-v1" : "pair-v2") + (turn == 2 ? "-multi-turn" : "");
        var prompt = Prompt(o.Prompts, name);
        string g1 = await Ask(o.Judge, prompt, PairValues(q, a, b, reference), ct).ConfigureAwait(false);
        string g2 = await Ask(o.Judge, prompt, PairValues(q, b, a, reference), ct).ConfigureAwait(false);
        // Map each order's verdict back to the models; disagreement between the orders is position bias: a tie.
        string w1 = VerdictParser.Pairwise(g1) switch { PairwiseVerdict.A => "model_a", PairwiseVerdict.B => "model_b", PairwiseVerdict.Tie => "tie", _ => "error" };
        string w2 = VerdictParser.Pairwise(g2) switch { PairwiseVerdict.A => "model_b", PairwiseVerdict.B => "model_a", PairwiseVerdict.Tie => "tie", _ => "error" };
        string winner = w1 == "error" || w2 == "error" ? "error" : w1 == w2 ? w1 : "tie";
        return new JudgmentRecord
        {
            QuestionId = q.Id, Turn = turn, Mode = "pairwise", ModelA = ModelName(a), ModelB = ModelName(b), Prompt = name,
            G1Judgment = g1, G2Judgment = g2, Winner = winner,
        };
    }

    private static async Task<JudgmentRecord> Single(JudgeRunOptions o, JudgeQuestion q, AnswerRecord answer, AnswerRecord? reference, int turn, CancellationToken ct)
    {
        string name = (reference is not null ? "single-math-v1" : "single-v1") + (turn == 2 ? "-multi-turn" : "");
        var prompt = Prompt(o.Prompts, name);
        var values = new Dictionary<string, string>
        {
            ["question"] = q.Turns[0], ["answer"] = Turn(answer, 0),
            ["question_1"] = q.Turns[0], ["answer_1"] = Turn(answer, 0),
        };
        if (q.Turns.Count > 1) { values["question_2"] = q.Turns[1]; values["answer_2"] = Turn(answer, 1); }
        AddReference(values, reference);
        string g = await Ask(o.Judge, prompt, values, ct).ConfigureAwait(false);
        return new JudgmentRecord
        {
            QuestionId = q.Id, Turn = turn, Mode = "single", ModelA = ModelName(answer), Prompt = name,
            G1Judgment = g, ScoreA = VerdictParser.Rating(g) ?? -1,
        };
    }

    private static async Task<JudgmentRecord> Scores(JudgeRunOptions o, JudgeQuestion q, AnswerRecord a, AnswerRecord b, CancellationToken ct)
    {
        string category = q.Category is "coding" or "math" && o.Reviewers.ContainsKey(q.Category) ? q.Category : "general";
        var prompt = o.Reviewers.TryGetValue(category, out var p) ? p : throw new ArgumentException($"no Vicuna reviewer prompt for \"{category}\" questions");
        string g1 = await Ask(o.Judge, prompt, new Dictionary<string, string> { ["question"] = q.Turns[0], ["answer_1"] = Turn(a, 0), ["answer_2"] = Turn(b, 0) }, ct).ConfigureAwait(false);
        string g2 = await Ask(o.Judge, prompt, new Dictionary<string, string> { ["question"] = q.Turns[0], ["answer_1"] = Turn(b, 0), ["answer_2"] = Turn(a, 0) }, ct).ConfigureAwait(false);
        var s1 = VerdictParser.TwoScores(g1);
        var s2 = VerdictParser.TwoScores(g2);
        double? scoreA = null, scoreB = null;
        string winner = "error";
        if (s1 is { } x && s2 is { } y)
        {
            scoreA = (x.First + y.Second) / 2;
            scoreB = (x.Second + y.First) / 2;
            winner = scoreA > scoreB ? "model_a" : scoreA < scoreB ? "model_b" : "tie";
        }
        return new JudgmentRecord
        {
            QuestionId = q.Id, Turn = 1, Mode = "scores", ModelA = ModelName(a), ModelB = ModelName(b), Prompt = prompt.Name,
            G1Judgment = g1, G2Judgment = g2, Winner = winner, ScoreA = scoreA, ScoreB = scoreB,
        };
    }

    private static Dictionary<string, string> PairValues(JudgeQuestion q, AnswerRecord first, AnswerRecord second, AnswerRecord? reference)
    {
        var values = new Dictionary<string, string>
        {
            ["question"] = q.Turns[0], ["answer_a"] = Turn(first, 0), ["answer_b"] = Turn(second, 0),
            ["question_1"] = q.Turns[0], ["answer_a_1"] = Turn(first, 0), ["answer_b_1"] = Turn(second, 0),
        };
        if (q.Turns.Count > 1)
        {
            values["question_2"] = q.Turns[1];
            values["answer_a_2"] = Turn(first, 1);
            values["answer_b_2"] = Turn(second, 1);
        }
        AddReference(values, reference);
        return values;
    }

    private static void AddReference(Dictionary<string, string> values, AnswerRecord? reference)
    {
        if (reference is null) return;
        values["ref_answer_1"] = Turn(reference, 0);
        values["ref_answer_2"] = Turn(reference, 1);
    }

    private static string Turn(AnswerRecord answer, int index) => index < answer.Turns.Count ? answer.Turns[index] : "";

    private static JudgePrompt Prompt(IReadOnlyDictionary<string, JudgePrompt> prompts, string name)
        => prompts.TryGetValue(name, out var p) ? p : throw new ArgumentException($"judge prompt \"{name}\" is not in the judge prompt file");

    private static Task<string> Ask(IChatBackend judge, JudgePrompt prompt, IReadOnlyDictionary<string, string> values, CancellationToken ct)
        => judge.ChatAsync(JudgeJob([ChatMessage.System(prompt.SystemPrompt), ChatMessage.User(prompt.Fill(values))]), ct);
}
