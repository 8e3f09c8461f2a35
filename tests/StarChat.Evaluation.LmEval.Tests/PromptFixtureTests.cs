using System.Text.Json;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tasks;
using StarChat.Evaluation.LmEval.Tests.Models;
using static StarChat.Evaluation.LmEval.Tests.ReferenceFixtures;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>Prompts, few-shot picks and token ids against expected.json: exact, no model involved.</summary>
public class PromptFixtureTests
{
    public static TheoryData<string, string> ChoiceForms => Forms(generation: false);

    public static TheoryData<string, string> GenerationForms => Forms(generation: true);

    [Theory, MemberData(nameof(ChoiceForms))]
    public void Build_LoglikelihoodTask_ContextsAndIdsMatchReference(string taskName, string form)
    {
        var task = FixtureTasks.Get(taskName);
        var plan = FewShotPlan.Create(task, FixtureTasks.Shots(form));
        foreach (var expected in Form(taskName, form).GetProperty("docs").EnumerateArray())
        {
            int docIndex = expected.GetProperty("doc_index").GetInt32();
            string where = $"{taskName} {form} doc {docIndex}";
            Assert.Equal(expected.GetProperty("shuffled_position").GetInt32(), plan.ShuffledPosition(docIndex));
            if (expected.TryGetProperty("fewshot_indices", out var shots))
                Assert.Equal(Ints(shots), plan.Examples(docIndex));

            var doc = task.Build(docIndex, plan.Examples(docIndex));
            var requests = ExpectedRequests(taskName, expected);
            Assert.Equal(requests.Count, doc.Requests.Count);
            for (int i = 0; i < requests.Count; i++)
            {
                var (context, continuation, req) = requests[i];
                Assert.True(context == doc.Requests[i].Context, $"{where} request {i}: context differs");
                Assert.Equal(continuation, doc.Requests[i].Continuation);
                var encoded = RequestEncoder.Encode(FixtureModel.Tokenizer, doc.Requests[i], eotTokenId: 0);
                Assert.Equal(Ints(req.GetProperty("continuation_ids")), encoded.ContinuationIds);
                var contextIds = req.TryGetProperty("context_ids", out var own) ? own : expected.GetProperty("context_ids");
                Assert.Equal(Ints(contextIds), encoded.ContextIds);
            }
        }
    }

    [Theory, MemberData(nameof(GenerationForms))]
    public void Build_Gsm8k_PromptAndIdsMatchReference(string taskName, string form)
    {
        var task = FixtureTasks.Get(taskName);
        var plan = FewShotPlan.Create(task, FixtureTasks.Shots(form));
        foreach (var expected in Form(taskName, form).GetProperty("docs").EnumerateArray())
        {
            int docIndex = expected.GetProperty("doc_index").GetInt32();
            var doc = task.Build(docIndex, plan.Examples(docIndex));
            Assert.Equal(expected.GetProperty("prompt").GetString(), doc.Context);
            Assert.Equal(Ints(expected.GetProperty("prompt_ids")), FixtureModel.Tokenizer.Encode(doc.Context));
            Assert.Equal(expected.GetProperty("gold_answer").GetString(), Gsm8kTask.ExtractAnswer(ReferenceAnswer(docIndex)));
        }
    }

    [Fact]
    public void Encode_EdgeCases_MatchReference()
    {
        foreach (var c in Root.GetProperty("edge_cases").GetProperty("requests").EnumerateArray())
        {
            var request = new LoglikelihoodRequest(c.GetProperty("context").GetString()!, c.GetProperty("continuation").GetString()!);
            var encoded = RequestEncoder.Encode(FixtureModel.Tokenizer, request, eotTokenId: 0);
            string name = c.GetProperty("name").GetString()!;
            Assert.True(Ints(c.GetProperty("context_ids")).SequenceEqual(encoded.ContextIds), $"{name}: context ids");
            Assert.True(Ints(c.GetProperty("continuation_ids")).SequenceEqual(encoded.ContinuationIds), $"{name}: continuation ids");
            Assert.Equal(c.GetProperty("whitespace_moved_to_continuation").GetInt32(), encoded.WhitespaceMoved);
        }
    }

    /// <summary>(context, continuation, request element) in the harness's request order.</summary>
    private static List<(string, string, JsonElement)> ExpectedRequests(string task, JsonElement doc)
    {
        var list = new List<(string, string, JsonElement)>();
        if (task == "truthfulqa_mc")
        {
            string context = doc.GetProperty("context").GetString()!;
            foreach (var r in doc.GetProperty("mc1_requests").EnumerateArray().Concat(doc.GetProperty("mc2_requests").EnumerateArray()))
                list.Add((context, r.GetProperty("continuation").GetString()!, r));
        }
        else
        {
            foreach (var r in doc.GetProperty("requests").EnumerateArray())
            {
                string context = r.TryGetProperty("context", out var own) ? own.GetString()! : doc.GetProperty("context").GetString()!;
                list.Add((context, r.GetProperty("continuation").GetString()!, r));
            }
        }
        return list;
    }

    private static string ReferenceAnswer(int docIndex)
        => File.ReadLines(Path.Combine(DataFolder, "gsm8k", "test.jsonl")).Skip(docIndex).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("answer").GetString()!).First();
}
