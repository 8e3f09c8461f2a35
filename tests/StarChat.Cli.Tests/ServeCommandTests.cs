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

    [Fact]
    public async Task Serve_OnlyAFreePort_ServesTheTinyModelOnLoopbackAndPrintsTheUrl()
    {
        var output = new StringWriter();
        var synchronizedOut = TextWriter.Synchronized(output);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        var run = StarChatCli.Build().Parse(["serve", "--port", "0"])
            .InvokeAsync(new InvocationConfiguration { Output = synchronizedOut, Error = TextWriter.Synchronized(new StringWriter()) }, cts.Token);

        Match match;
        while (!(match = ListeningOn().Match(output.ToString())).Success)
        {
            Assert.False(run.IsCompleted, $"serve exited: {output}");
            await Task.Delay(20, cts.Token);
        }
        var url = new Uri(match.Groups[1].Value);
        using var http = new HttpClient { BaseAddress = url };
        while ((await http.GetAsync("/health", cts.Token)).StatusCode != HttpStatusCode.OK)
            await Task.Delay(50, cts.Token);
        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models", cts.Token);
        await cts.CancelAsync();

        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal("tiny-starchat", models.GetProperty("data")[0].GetProperty("id").GetString());
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
