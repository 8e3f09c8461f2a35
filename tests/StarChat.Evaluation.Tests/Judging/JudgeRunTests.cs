using System.Text.Json;
using System.Text.Json.Nodes;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Judging;
using StarChat.Testing;

namespace StarChat.Evaluation.Tests.Judging;

/// <summary>Judging through a scripted judge endpoint, with FastChat's real prompts and MT-Bench questions.</summary>
public class JudgeRunTests
{
    private static readonly IReadOnlyDictionary<string, JudgePrompt> Prompts = JudgePrompt.Load(SharedPaths.Data("fastchat", "llm_judge", "judge_prompts.jsonl"));
    private static readonly IReadOnlyList<JudgeQuestion> MtBench = JudgeQuestion.Load(SharedPaths.Data("fastchat", "llm_judge", "mt_bench", "question.jsonl"));
    private static readonly IReadOnlyDictionary<string, AnswerRecord> References = AnswerFile.Load(SharedPaths.Data("fastchat", "llm_judge", "mt_bench", "reference_answer_gpt-4.jsonl"));

    private static Dictionary<string, AnswerRecord> Answers(string model, IEnumerable<JudgeQuestion> questions, Func<JudgeQuestion, int, string> text)
        => questions.ToDictionary(q => q.Id, q => new AnswerRecord
        {
            QuestionId = JsonSerializer.SerializeToElement(int.Parse(q.Id, System.Globalization.CultureInfo.InvariantCulture)),
            ModelId = model,
            Choices = [new AnswerChoice(0, [.. q.Turns.Select((_, i) => text(q, i))])],
        });

    private static string UserPrompt(JsonNode? body) => (string)body!["messages"]![1]!["content"]!;

    private static string Reply(string content) => new JsonObject { ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content } }) }.ToJsonString();

    /// <summary>A judge that prefers whichever answer says GOOD, and otherwise prints <paramref name="fallback"/>.</summary>
    private static ScriptedServer.Handler PrefersGood(string fallback = "[[C]]") => body =>
    {
        string prompt = UserPrompt(body);
        int a = prompt.IndexOf("Assistant A", StringComparison.Ordinal);
        int b = prompt.IndexOf("Assistant B", StringComparison.Ordinal);
        int good = prompt.IndexOf("GOOD", StringComparison.Ordinal);
        string verdict = good < 0 ? fallback : (good > a && (good < b || b < a)) ? "Assistant A is right.\n[[A]]" : "Assistant B is right.\n[[B]]";
        return (200, Reply(verdict));
    };

    [Fact]
    public async Task RunAsync_PairwiseBothOrders_BetterModelWinsEveryTurn()
    {
        var questions = MtBench.Where(q => q.Category == "writing").Take(3).ToList();
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler> { ["/v1/chat/completions"] = PrefersGood() });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var judgments = await JudgeRun.RunAsync(new JudgeRunOptions
        {
            Questions = questions,
            AnswersA = Answers("starchat", questions, (_, i) => $"GOOD answer {i}"),
            AnswersB = Answers("starcoder", questions, (_, i) => $"weak answer {i}"),
            Prompts = Prompts,
            Judge = backend,
            OutputFile = folder.File("judgments.jsonl"),
        });
        Assert.Equal(6, judgments.Count);
        Assert.All(judgments, j => Assert.Equal("model_a", j.Winner));
        Assert.Equal(12, judge.Requests.Count);
        Assert.Equal(["pair-v2", "pair-v2-multi-turn"], judgments.Select(j => j.Prompt).Distinct().Order());
        var summary = JudgeSummary.From("pairwise", judgments);
        Assert.Equal((6, 0, 0, 0), (summary.Wins, summary.Ties, summary.Losses, summary.Errors));
        Assert.Equal(1.0, summary.WinRate);
    }

    [Fact]
    public async Task RunAsync_PositionBiasedJudge_EveryVerdictBecomesATie()
    {
        var questions = MtBench.Take(2).ToList();
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler> { ["/v1/chat/completions"] = _ => (200, Reply("The first one is better. [[A]]")) });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var judgments = await JudgeRun.RunAsync(new JudgeRunOptions
        {
            Questions = questions, AnswersA = Answers("a", questions, (_, _) => "x"), AnswersB = Answers("b", questions, (_, _) => "y"),
            Prompts = Prompts, Judge = backend, OutputFile = folder.File("judgments.jsonl"),
        });
        Assert.All(judgments, j => Assert.Equal("tie", j.Winner));
    }

    [Fact]
    public async Task RunAsync_UnparseableVerdicts_AreCountedNotThrown()
    {
        var questions = MtBench.Take(2).ToList();
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler> { ["/v1/chat/completions"] = _ => (200, Reply("Both are decent.")) });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var judgments = await JudgeRun.RunAsync(new JudgeRunOptions
        {
            Questions = questions, AnswersA = Answers("a", questions, (_, _) => "x"), AnswersB = Answers("b", questions, (_, _) => "y"),
            Prompts = Prompts, Judge = backend, OutputFile = folder.File("judgments.jsonl"),
        });
        var summary = JudgeSummary.From("pairwise", judgments);
        Assert.Equal(4, summary.Errors);
        Assert.Equal(0, summary.Wins + summary.Ties + summary.Losses);
        Assert.Null(summary.WinRate);
    }

    [Fact]
    public async Task RunAsync_CodingQuestion_UsesTheReferencePromptWithTheGpt4Answer()
    {
        var coding = MtBench.First(q => q.Category == "coding");
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler> { ["/v1/chat/completions"] = PrefersGood() });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var judgments = await JudgeRun.RunAsync(new JudgeRunOptions
        {
            Questions = [coding], AnswersA = Answers("a", [coding], (_, _) => "weak"), AnswersB = Answers("b", [coding], (_, _) => "GOOD"),
            References = References, Prompts = Prompts, Judge = backend, OutputFile = folder.File("judgments.jsonl"),
        });
        Assert.Equal(["pair-math-v1", "pair-math-v1-multi-turn"], judgments.Select(j => j.Prompt));
        Assert.All(judgments, j => Assert.Equal("model_b", j.Winner));
        // Requests run in parallel: find the first-turn prompt by its layout.
        string firstTurn = judge.Requests.Select(r => UserPrompt(r.Body)).First(p => p.StartsWith("[User Question]", StringComparison.Ordinal));
        Assert.Contains("[The Start of Reference Answer]\n" + References[coding.Id].Turns[0], firstTurn, StringComparison.Ordinal);
        Assert.All(judge.Requests, r => Assert.DoesNotContain("{ref_answer", UserPrompt(r.Body), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_Single_RatesEachModelAndAverages()
    {
        var questions = MtBench.Where(q => q.Category == "roleplay").Take(2).ToList();
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/v1/chat/completions"] = body => (200, Reply(UserPrompt(body).Contains("GOOD", StringComparison.Ordinal) ? "Helpful. Rating: [[9]]" : "Thin. Rating: [[4]]")),
        });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var judgments = await JudgeRun.RunAsync(new JudgeRunOptions
        {
            Questions = questions, AnswersA = Answers("a", questions, (_, i) => i == 0 ? "GOOD" : "GOOD again"), AnswersB = Answers("b", questions, (_, _) => "meh"),
            Prompts = Prompts, Mode = JudgeMode.Single, Judge = backend, OutputFile = folder.File("judgments.jsonl"),
        });
        var summary = JudgeSummary.From("single", judgments);
        Assert.Equal(8, summary.Judgments);
        Assert.Equal(9.0, summary.MeanScores["a"]);
        Assert.Equal(4.0, summary.MeanScores["b"]);
    }

    [Fact]
    public async Task RunAsync_ScoresMode_AveragesBothOrdersLikeTheBlog()
    {
        var reviewers = JudgePrompt.LoadVicunaReviewers(SharedPaths.Data("fastchat", "eval_table_2023", "prompt.jsonl"));
        var questions = JudgeQuestion.Load(SharedPaths.Data("fastchat", "eval_table_2023", "question.jsonl")).Where(q => q.Category == "coding").Take(2).ToList();
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            // Scores the answer shown first a little higher (position bias), and the GOOD answer much higher.
            ["/v1/chat/completions"] = body =>
            {
                string p = UserPrompt(body);
                bool goodFirst = p.IndexOf("GOOD", StringComparison.Ordinal) < p.IndexOf("[The Start of Assistant 2's Answer]", StringComparison.Ordinal);
                return (200, Reply(goodFirst ? "8 4\nAssistant 1 is correct." : "5 7\nAssistant 2 is correct."));
            },
        });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var judgments = await JudgeRun.RunAsync(new JudgeRunOptions
        {
            Questions = questions, AnswersA = Answers("starchat", questions, (_, _) => "GOOD code"), AnswersB = Answers("base", questions, (_, _) => "bad code"),
            Reviewers = reviewers, Mode = JudgeMode.Scores, Judge = backend, OutputFile = folder.File("judgments.jsonl"),
        });
        Assert.All(judgments, j =>
        {
            Assert.Equal("vicuna-coding", j.Prompt);
            Assert.Equal(7.5, j.ScoreA);
            Assert.Equal(4.5, j.ScoreB);
            Assert.Equal("model_a", j.Winner);
        });
        Assert.Contains("evaluate the coding abilities", UserPrompt(judge.Requests.First().Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Rerun_ReusesWrittenJudgments()
    {
        var questions = MtBench.Take(2).ToList();
        await using var judge = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler> { ["/v1/chat/completions"] = PrefersGood() });
        using var backend = new EndpointBackend(judge.Address, model: "judge");
        using var folder = new TempFolder();
        var options = new JudgeRunOptions
        {
            Questions = questions, AnswersA = Answers("a", questions, (_, _) => "GOOD"), AnswersB = Answers("b", questions, (_, _) => "x"),
            Prompts = Prompts, Judge = backend, OutputFile = folder.File("judgments.jsonl"),
        };
        await JudgeRun.RunAsync(options);
        int requests = judge.Requests.Count;
        var again = await JudgeRun.RunAsync(options);
        Assert.Equal(requests, judge.Requests.Count);
        Assert.Equal(4, again.Count);
    }
}
