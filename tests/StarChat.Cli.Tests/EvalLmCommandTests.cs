using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

public sealed class EvalLmCommandTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "starchat-evallm-" + Guid.NewGuid().ToString("N"));

    private static string Model => SharedPaths.Fixtures("tiny-starchat");

    private static string Data => SharedPaths.Data("lm-eval");

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public void EvalLm_TinyModelArc_WritesResultsMatchingReference()
    {
        var r = CliRunner.Run("eval", "lm", "--tasks", "arc_challenge:2", "--limit", "4", "--model", Model, "--data", Data, "--out", _out);
        Assert.True(r.ExitCode == 0, r.Err);

        // The mean of expected.json's per-document acc_norm over the same four documents.
        using var fixture = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("lm-eval", "expected.json")));
        var docs = fixture.RootElement.GetProperty("tasks").GetProperty("arc_challenge").GetProperty("forms").GetProperty("2-shot").GetProperty("docs")
            .EnumerateArray().Take(4).ToArray();
        using var results = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_out, "results.json")));
        var arc = results.RootElement.GetProperty("results").GetProperty("arc_challenge");
        Assert.Equal(docs.Average(d => d.GetProperty("acc_norm").GetDouble()), arc.GetProperty("acc_norm").GetDouble(), 12);
        Assert.Equal(0, results.RootElement.GetProperty("versions").GetProperty("arc_challenge").GetInt32());

        var lines = File.ReadAllLines(Path.Combine(_out, "documents.jsonl"));
        Assert.Equal(4, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(docs[0].GetProperty("context").GetString(), first.RootElement.GetProperty("context").GetString());
        Assert.Equal(0, first.RootElement.GetProperty("doc_id").GetInt32());
        Assert.Contains("arc_challenge", File.ReadAllText(Path.Combine(_out, "report.html")), StringComparison.Ordinal);
        Assert.Contains("acc_norm", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void EvalLm_UnknownTask_ListsValidTasks()
    {
        var r = CliRunner.Run("eval", "lm", "--tasks", "arc_easy", "--model", Model, "--data", Data, "--out", _out);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown task 'arc_easy'", r.Err, StringComparison.Ordinal);
        Assert.Contains("hendrycksTest-SUBJECT", r.Err, StringComparison.Ordinal);
        Assert.Contains("abstract_algebra", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void EvalLm_MalformedDataLine_NamesFileAndLine()
    {
        string data = Path.Combine(_out, "data");
        Directory.CreateDirectory(Path.Combine(data, "gsm8k"));
        File.WriteAllText(Path.Combine(data, "gsm8k", "test.jsonl"), "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": 3}\n");
        File.WriteAllText(Path.Combine(data, "gsm8k", "train.jsonl"), "");
        var r = CliRunner.Run("eval", "lm", "--tasks", "gsm8k", "--model", Model, "--data", data, "--out", _out);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("test.jsonl:2: field 'question'", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void EvalLm_HellaSwagTenShotWithoutTrainingFile_ExplainsTheFix()
    {
        var r = CliRunner.Run("eval", "lm", "--tasks", "hellaswag", "--limit", "1", "--model", Model, "--data", Data, "--out", _out);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("hellaswag:0", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalLm_Endpoint_ScoresThroughCompletionsServer()
    {
        // A scripted OpenAI-compatible server: every completion answers "#### 18" (test row 0's answer; row 1's is 3).
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serve = Task.Run(async () =>
        {
            for (int i = 0; i < 2; i++)
            {
                var context = await listener.GetContextAsync();
                byte[] body = Encoding.UTF8.GetBytes("{\"choices\":[{\"index\":0,\"text\":\" 9 * 2 = 18\\n#### 18\",\"finish_reason\":\"stop\"}]}");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });

        var r = await Task.Run(() => CliRunner.Run("eval", "lm", "--tasks", "gsm8k:0", "--limit", "2", "--endpoint", $"http://127.0.0.1:{port}/v1",
            "--tokenizer", Model, "--data", Data, "--out", _out));
        await serve;
        Assert.True(r.ExitCode == 0, r.Err);
        using var results = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_out, "results.json")));
        Assert.Equal(0.5, results.RootElement.GetProperty("results").GetProperty("gsm8k").GetProperty("acc").GetDouble());
        Assert.EndsWith("/v1/completions", results.RootElement.GetProperty("config").GetProperty("model").GetString(), StringComparison.Ordinal);
    }
}
