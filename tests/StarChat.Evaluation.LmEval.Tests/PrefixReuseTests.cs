using StarChat.Evaluation.LmEval.Running;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tests.Models;
using static StarChat.Evaluation.LmEval.Tests.ReferenceFixtures;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>How much the shared-prefix scoring saves, with results still those of expected.json.</summary>
public class PrefixReuseTests
{
    [Fact]
    public void Run_MmluTwoShot_EvaluatesSharedExamplesOnceAndMatchesReference()
    {
        using var model = FixtureModel.CreateModel(threads: 1);
        var counting = new CountingModel(model);
        using var backend = new LocalModelBackend([counting], FixtureModel.Tokenizer, [0], "tiny-starchat");
        var result = new LmEvalRunner(backend, FixtureModel.Tokenizer, new LmEvalOptions { Limit = 12 })
            .Run(FixtureTasks.Get("hendrycksTest-computer_security"), 2);

        // Without reuse every request would evaluate its whole input: 4 requests × (prompt) per document.
        long naive = result.Documents.Sum(d => d.Requests.Sum(r => (long)r.Result.InputLength));
        long distinctPrompts = result.Documents.Sum(d => (long)d.Requests[0].Result.InputLength);
        Assert.True(counting.TokensEvaluated < distinctPrompts, $"{counting.TokensEvaluated} tokens evaluated; the prompts alone have {distinctPrompts}");
        Assert.True(counting.TokensEvaluated * 4 < naive, $"{counting.TokensEvaluated} tokens evaluated vs {naive} without reuse");

        var expected = Form("hendrycksTest-computer_security", "2-shot").GetProperty("docs").EnumerateArray().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            var requests = expected[i].GetProperty("requests").EnumerateArray().ToArray();
            for (int r = 0; r < requests.Length; r++)
                LoglikelihoodClose(requests[r].GetProperty("loglikelihood").GetDouble(), result.Documents[i].Requests[r].Result.LogLikelihood, $"doc {i} request {r}");
        }
    }
}
