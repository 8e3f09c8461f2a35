using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

public class EvalCommandTests
{
    private static string ExampleProblem => SharedPaths.Data("humaneval", "example_problem.jsonl");

    private static string ExampleSamples => SharedPaths.Data("humaneval", "example_samples.jsonl");

    private static string NewFolder() => Path.Combine(Path.GetTempPath(), $"starchat-cli-eval-{Guid.NewGuid():N}");

    [Fact]
    public void EvalHumanEval_ExampleSamples_WritesHalfPassAtOneAndReport()
    {
        string output = NewFolder();
        try
        {
            var r = CliRunner.Run("eval", "humaneval", "--samples", ExampleSamples, "--problems", ExampleProblem, "--k", "1", "--out", output);
            Assert.True(r.ExitCode == 0, r.Err);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            Assert.Equal(0.5, summary.RootElement.GetProperty("pass_at_k").GetProperty("pass@1").GetDouble(), 12);
            Assert.Contains("50.00%", r.Out, StringComparison.Ordinal);
            string html = File.ReadAllText(Path.Combine(output, "report.html"));
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
            Assert.Equal(6, File.ReadAllLines(Path.Combine(output, "results.jsonl")).Length);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void EvalHumanEval_RerunWithOtherPromptStripping_IsRefusedWithExitCode2()
    {
        string output = NewFolder();
        try
        {
            Assert.Equal(0, CliRunner.Run("eval", "humaneval", "--samples", ExampleSamples, "--problems", ExampleProblem, "--k", "1", "--out", output).ExitCode);
            var r = CliRunner.Run("eval", "humaneval", "--samples", ExampleSamples, "--problems", ExampleProblem, "--k", "1", "--out", output, "--strip-prompt", "true");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("other settings", r.Err, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void EvalHumanEval_Endpoint_GeneratesCutsAtStopWordsAndScores()
    {
        using var server = new TinyServer(body =>
        {
            // The model keeps going past the function; the harness's stop words cut it.
            var choices = new JsonArray();
            for (int i = 0; i < (int)body["n"]!; i++)
                choices.Add(new JsonObject { ["index"] = i, ["text"] = "\n    return 1\n\ndef unrelated():\n    pass" });
            return new JsonObject { ["choices"] = choices }.ToJsonString();
        });
        string output = NewFolder();
        try
        {
            var r = CliRunner.Run("eval", "humaneval", "--endpoint", server.Address, "--endpoint-model", "m", "--problems", ExampleProblem,
                "--n", "2", "--k", "1,2", "--temperature", "0", "--out", output);
            Assert.True(r.ExitCode == 0, r.Err);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            Assert.Equal(1.0, summary.RootElement.GetProperty("pass_at_k").GetProperty("pass@2").GetDouble());
            Assert.All(File.ReadAllLines(Path.Combine(output, "samples.jsonl")),
                line => Assert.Equal("\n    return 1\n", JsonDocument.Parse(line).RootElement.GetProperty("completion").GetString()));
            var request = server.Bodies.Single();
            Assert.Equal("def return1():", (string?)request["prompt"]);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void EvalMbpp_NoSamplesNoModel_FailsWithExitCode2()
    {
        var r = CliRunner.Run("eval", "mbpp", "--out", NewFolder());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--samples", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void EvalMultipleCs_MissingLocalModel_NamesThePath()
    {
        var r = CliRunner.Run("eval", "multiple-cs", "--model", "/some/model.gguf", "--out", NewFolder());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/some/model.gguf", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void EvalJudge_UnknownMode_FailsWithExitCode2()
    {
        var r = CliRunner.Run("eval", "judge", "--answers-a", ExampleSamples, "--endpoint", "http://127.0.0.1:9/", "--mode", "elo", "--out", NewFolder());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("pairwise, single or scores", r.Err, StringComparison.Ordinal);
    }

    /// <summary>A one-route OpenAI completions server on 127.0.0.1 (HttpListener, so this project needs no ASP.NET).</summary>
    private sealed class TinyServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Func<JsonNode, string> _reply;
        private readonly Thread _thread;

        public TinyServer(Func<JsonNode, string> reply)
        {
            _reply = reply;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Address = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Address);
            _listener.Start();
            _thread = new Thread(Serve) { IsBackground = true };
            _thread.Start();
        }

        public string Address { get; }

        public List<JsonNode> Bodies { get; } = [];

        private void Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = _listener.GetContext();
                }
                catch (HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream);
                var body = JsonNode.Parse(reader.ReadToEnd())!;
                lock (Bodies) Bodies.Add(body);
                var bytes = Encoding.UTF8.GetBytes(_reply(body));
                context.Response.ContentType = "application/json";
                context.Response.OutputStream.Write(bytes);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}
