using StarChat.Evaluation.LmEval.Running;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tests.Models;
using static StarChat.Evaluation.LmEval.Tests.ReferenceFixtures;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>
/// Scoring through a scripted OpenAI-compatible completions server. The server answers with the reference
/// per-token log-probabilities of expected.json for the continuation tokens (and filler for the context), so the
/// request building, window, echo parsing and greedy rule are checked against the reference predictions.
/// </summary>
public class EndpointTests
{
    [Fact]
    public async Task Run_ArcThroughEndpoint_MatchesReference()
    {
        var form = Form("arc_challenge", "0-shot");
        var script = new Dictionary<string, (int ContextLength, double[] LogProbs, bool Greedy)>();
        foreach (var doc in form.GetProperty("docs").EnumerateArray())
        {
            int[] context = Ints(doc.GetProperty("context_ids"));
            foreach (var r in doc.GetProperty("requests").EnumerateArray())
            {
                int[] full = [.. context, .. Ints(r.GetProperty("continuation_ids"))];
                script[string.Join(',', full)] = (context.Length,
                    [.. r.GetProperty("token_logprobs").EnumerateArray().Select(x => x.GetDouble())], r.GetProperty("is_greedy").GetBoolean());
            }
        }
        await using var server = await ScriptedCompletionsServer.StartAsync(request =>
        {
            Assert.True(request.GetProperty("echo").GetBoolean());
            Assert.Equal(1, request.GetProperty("logprobs").GetInt32());
            var choices = request.GetProperty("prompt").EnumerateArray().Select((p, i) =>
            {
                var (contextLength, logProbs, greedy) = script[string.Join(',', p.EnumerateArray().Select(x => x.GetInt32()))];
                var tokenLogProbs = new List<double?> { null };
                var top = new List<Dictionary<string, double>?> { null };
                for (int t = 1; t < contextLength; t++) { tokenLogProbs.Add(-1.0); top.Add(new() { ["x"] = -0.5 }); }
                foreach (double lp in logProbs)
                {
                    tokenLogProbs.Add(lp);
                    top.Add(greedy ? new() { ["tok"] = lp } : new() { ["other"] = lp + 1, ["tok"] = lp });
                }
                tokenLogProbs.Add(-0.25);   // the one generated token
                top.Add(new() { ["g"] = -0.25 });
                return new { index = i, text = "", logprobs = new { token_logprobs = tokenLogProbs, top_logprobs = top }, finish_reason = "length" };
            }).Reverse().ToArray();   // out of order on purpose: the client must sort by index
            return (200, new { choices });
        });

        using var backend = new CompletionsEndpointBackend(server.Url, maxLength: 512, concurrency: 2);
        var result = new LmEvalRunner(backend, FixtureModel.Tokenizer, new LmEvalOptions { Limit = 12 }).Run(FixtureTasks.Get("arc_challenge"), 0);

        foreach (var doc in form.GetProperty("docs").EnumerateArray())
        {
            var actual = result.Documents[doc.GetProperty("doc_index").GetInt32()];
            var requests = doc.GetProperty("requests").EnumerateArray().ToArray();
            for (int i = 0; i < requests.Length; i++)
            {
                LoglikelihoodClose(requests[i].GetProperty("loglikelihood").GetDouble(), actual.Requests[i].Result.LogLikelihood, $"doc {actual.DocId} request {i}");
                Assert.Equal(requests[i].GetProperty("is_greedy").GetBoolean(), actual.Requests[i].Result.IsGreedy);
            }
            Assert.Equal(doc.GetProperty("pred_acc").GetInt32(), actual.Predictions["pred_acc"]);
            Assert.Equal(doc.GetProperty("pred_acc_norm").GetInt32(), actual.Predictions["pred_acc_norm"]);
        }
        Assert.Equal(form.GetProperty("aggregate").GetProperty("acc_norm").GetDouble(), result.Metrics.Single(m => m.Name == "acc_norm").Value, 12);
    }

    [Fact]
    public async Task Loglikelihood_EndpointWithoutLogprobs_ThrowsClearMessage()
    {
        await using var server = await ScriptedCompletionsServer.StartAsync(_ =>
            (200, new { choices = new[] { new { index = 0, text = "x", finish_reason = "length" } } }));
        using var backend = new CompletionsEndpointBackend(server.Url + "/v1", maxLength: 64);
        using var worker = backend.CreateWorker();
        var e = Assert.Throws<LmEvalException>(() => worker.Loglikelihood([new EncodedRequest([1, 2], [3], 0)], CancellationToken.None));
        Assert.Contains("no logprobs", e.Message, StringComparison.Ordinal);
        Assert.Contains("echo=true", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loglikelihood_ServerError_ReportsStatusAndBody()
    {
        await using var server = await ScriptedCompletionsServer.StartAsync(_ => (500, new { error = new { message = "model overloaded" } }));
        using var backend = new CompletionsEndpointBackend(server.Url, maxLength: 64);
        using var worker = backend.CreateWorker();
        var e = Assert.Throws<LmEvalException>(() => worker.Loglikelihood([new EncodedRequest([1, 2], [3], 0)], CancellationToken.None));
        Assert.Contains("HTTP 500", e.Message, StringComparison.Ordinal);
        Assert.Contains("model overloaded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_Gsm8kThroughEndpoint_CutsAtStopsAndExtractsAnswer()
    {
        await using var server = await ScriptedCompletionsServer.StartAsync(_ =>
            (200, new { choices = new[] { new { index = 0, text = " She sells 9 eggs, 9 * 2 = 18.\n#### 18\n\nQuestion: next", finish_reason = "stop" } } }));
        using var backend = new CompletionsEndpointBackend(server.Url, maxLength: 2048);
        var result = new LmEvalRunner(backend, FixtureModel.Tokenizer, new LmEvalOptions { Limit = 1 }).Run(FixtureTasks.Get("gsm8k"), 0);
        var doc = result.Documents.Single();
        Assert.Equal(" She sells 9 eggs, 9 * 2 = 18.\n#### 18\n\n", doc.Generation!.Output.Response);
        Assert.Equal("18", doc.Predictions["extracted_answer"]);
        Assert.Equal(1.0, doc.Metrics["acc"]);
        var sent = server.Requests.Single();
        Assert.Equal(256, sent.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0, sent.GetProperty("temperature").GetInt32());
        Assert.Equal([":", "Question:", "Question", "<|endoftext|>"], sent.GetProperty("stop").EnumerateArray().Select(s => s.GetString()));
    }
}
