using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StarChat.Cli.Tests;

public sealed partial class ServeCommandTests
{
    [GeneratedRegex(@"listening on (http://[^\s]+)")]
    private static partial Regex ListeningOn();

    /// <summary>
    /// Starts <c>starchat serve</c> (in-process, or as <see cref="CliRunner.Program"/>, which a cancellation stops with
    /// SIGINT as Ctrl+C would) and waits until it serves the model.
    /// </summary>
    private static async Task<(Uri Url, Task<int> Run, HttpClient Http)> StartAsync(CancellationToken ct, params string[] args)
    {
        var output = new StringWriter();
        var synchronizedOut = TextWriter.Synchronized(output);
        var run = CliRunner.Program is null
            ? StarChatCli.Build().Parse(["serve", "--port", "0", .. args])
                .InvokeAsync(new InvocationConfiguration { Output = synchronizedOut, Error = TextWriter.Synchronized(new StringWriter()) }, ct)
            : RunProcessAsync(synchronizedOut, ["serve", "--port", "0", .. args], ct);

        Match match;
        while (!(match = ListeningOn().Match(output.ToString())).Success)
        {
            Assert.False(run.IsCompleted, $"serve exited: {output}");
            await Task.Delay(20, ct);
        }
        var url = new Uri(match.Groups[1].Value);
        var http = new HttpClient { BaseAddress = url };
        while ((await http.GetAsync("/health", ct)).StatusCode != HttpStatusCode.OK)
            await Task.Delay(50, ct);
        return (url, run, http);
    }

    private static async Task<int> RunProcessAsync(TextWriter output, string[] args, CancellationToken ct)
    {
        var psi = CliRunner.StartInfo(args);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var process = System.Diagnostics.Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await interrupt.WaitForExitAsync(CancellationToken.None);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(limit.Token);
        }
        return process.ExitCode;
    }

    [Fact]
    public async Task Serve_OnlyAFreePort_ServesTheTinyModelOnLoopbackAndPrintsTheUrl()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        var (url, run, http) = await StartAsync(cts.Token);
        using var _ = http;
        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models", cts.Token);
        await cts.CancelAsync();

        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal("tiny-starchat", models.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task Serve_NamedLora_RequestsChooseItByAdapterId()
    {
        // expected-hf.json: greedy ids after "def print_hello" begin 40526 9427 35913 with tiny-starchat-lora,
        // 35561 35561 27992 without.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        var (_, run, http) = await StartAsync(cts.Token, "--lora", "fixture=" + Testing.SharedPaths.Fixtures("tiny-starchat-lora"));
        using var __ = http;

        async Task<int[]> Ids(string? adapter)
        {
            using var response = await http.PostAsJsonAsync("/generate", new { inputs = "def print_hello", parameters = new { max_new_tokens = 3, details = true, adapter_id = adapter } }, cts.Token);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
            return [.. json.GetProperty("details").GetProperty("tokens").EnumerateArray().Select(t => t.GetProperty("id").GetInt32())];
        }
        int[] adapted = await Ids("fixture"), plain = await Ids(null);
        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models", cts.Token);
        await cts.CancelAsync();

        Assert.Equal([40526, 9427, 35913], adapted);
        Assert.Equal([35561, 35561, 27992], plain);
        Assert.Equal("fixture", models.GetProperty("data")[1].GetProperty("id").GetString());
        Assert.Equal(0, await run);
    }

    [Fact]
    public void Serve_ParallelZero_FailsWithAClearMessage()
    {
        var result = CliRunner.Run("serve", "--port", "0", "--parallel", "0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--parallel", result.Err, StringComparison.Ordinal);
    }
}
