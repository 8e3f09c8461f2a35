using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StarChat.Server.Tests.Support;

namespace StarChat.Server.Tests.Http;

/// <summary>One bad or huge request gets its own error and nobody else notices; limits answer at once.</summary>
public sealed class RobustnessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(string Text, string? Finish)> ReadCompletionStream(HttpResponseMessage response)
    {
        var text = new StringBuilder();
        string? finish = null;
        await foreach (var data in Sse.ReadAsync(response, Ct))
        {
            if (data == "[DONE]") break;
            var chunk = JsonDocument.Parse(data).RootElement;
            Assert.False(chunk.TryGetProperty("error", out _), data);
            foreach (var choice in chunk.GetProperty("choices").EnumerateArray())
            {
                text.Append(choice.GetProperty("text").GetString());
                if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String) finish = choice.GetProperty("finish_reason").GetString();
            }
        }
        return (text.ToString(), finish);
    }

    [Fact]
    public async Task BadRequests_WhileFourStreamsRun_EachGetsItsErrorAndTheStreamsFinishUnchanged()
    {
        await using var server = await TestServers.StartAsync(o => o with { Parallel = 4, ContextLength = 64, StepDelay = TimeSpan.FromMilliseconds(15) });
        using var client = TestServers.Client(server);
        var (hello, _) = Reference.Prompt("hello");
        var streams = new List<HttpResponseMessage>();
        for (int i = 0; i < 4; i++)
            streams.Add(await Sse.PostAsync(client, "/v1/completions", new { prompt = hello, max_tokens = 30, temperature = 0, stream = true }, Ct));
        var readers = streams.Select(ReadCompletionStream).ToList();

        using var malformed = await client.PostAsync("/v1/chat/completions", new StringContent("{\"messages\": [", Encoding.UTF8, "application/json"), Ct);
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new LargeBody(100L << 20, declareLength: true) };
        huge.Headers.ExpectContinue = true;
        using var hugeResponse = await client.SendAsync(huge, Ct);
        using var billion = await client.PostAsJsonAsync("/v1/completions", new { prompt = hello, max_tokens = 1_000_000_000, temperature = 0 }, Ct);
        using var tooLong = await client.PostAsJsonAsync("/v1/completions", new { prompt = Reference.Prompt("long").Text, max_tokens = 4 }, Ct);
        using var tgiMalformed = await client.PostAsync("/generate", new StringContent("{\"inputs\": 12", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("invalid_request_error", (await Sse.JsonAsync(malformed)).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, hugeResponse.StatusCode);
        Assert.Contains("at most", (await Sse.JsonAsync(hugeResponse)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        // A billion tokens is clamped to what the 64-token context leaves after the 4-token prompt.
        Assert.Equal(HttpStatusCode.OK, billion.StatusCode);
        var usage = (await Sse.JsonAsync(billion)).GetProperty("usage");
        Assert.Equal(64 - 4, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var overflow = (await Sse.JsonAsync(tooLong)).GetProperty("error");
        Assert.Equal("context_length_exceeded", overflow.GetProperty("code").GetString());
        Assert.Contains("64", overflow.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tgiMalformed.StatusCode);
        Assert.Equal("validation", (await Sse.JsonAsync(tgiMalformed)).GetProperty("error_type").GetString());

        string expected = TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("hello").AsSpan(0, 30), skipSpecialTokens: true);
        foreach (var (text, finish) in await Task.WhenAll(readers))
        {
            Assert.Equal(expected, text);
            Assert.Equal("length", finish);
        }
        foreach (var s in streams) s.Dispose();
    }

    [Fact]
    public async Task ChunkedBodyOverLimit_413WithoutReadingItAll()
    {
        await using var server = await TestServers.StartAsync(o => o with { MaxRequestBodyBytes = 64 * 1024 });
        using var client = TestServers.Client(server);

        using var response = await client.PostAsync("/generate", new LargeBody(1 << 20, declareLength: false), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("validation", (await Sse.JsonAsync(response)).GetProperty("error_type").GetString());
    }

    [Fact]
    public async Task QueueFull_429WithRetryAfterAtOnce_ThenQueuedRequestStillServed()
    {
        await using var server = await TestServers.StartAsync(o => o with { Parallel = 1, QueueLimit = 1, StepDelay = TimeSpan.FromMilliseconds(20) });
        using var client = TestServers.Client(server);
        var (hello, _) = Reference.Prompt("hello");
        var running = await Sse.PostAsync(client, "/v1/completions", new { prompt = hello, max_tokens = 400, stream = true }, Ct);
        var queued = client.PostAsJsonAsync("/v1/completions", new { prompt = hello, max_tokens = 2, temperature = 0 }, Ct);
        while (server.Host.Model!.Scheduler.Queued == 0) await Task.Delay(5, Ct);

        var started = DateTime.UtcNow;
        using var refused = await client.PostAsJsonAsync("/v1/completions", new { prompt = hello, max_tokens = 2 }, Ct);

        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
        Assert.Equal("1", refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("rate_limit_error", (await Sse.JsonAsync(refused)).GetProperty("error").GetProperty("type").GetString());
        // The client of the long stream goes away: its slot frees and the queued request runs.
        running.Dispose();
        using var served = await queued;
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task ApiKey_MissingOrWrong401_RightOneServed_HealthAndPageOpen()
    {
        await using var server = await TestServers.StartAsync(o => o with { ApiKey = "sesame" });
        using var client = TestServers.Client(server);

        using var missing = await client.GetAsync("/v1/models", Ct);
        using var wrong = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/info") { Headers = { { "Authorization", "Bearer nope" } } }, Ct);
        using var right = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { { "Authorization", "Bearer sesame" } } }, Ct);
        using var health = await client.GetAsync("/health", Ct);
        using var page = await client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("authentication_error", (await Sse.JsonAsync(missing)).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("authentication", (await Sse.JsonAsync(wrong)).GetProperty("error_type").GetString());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task WhileModelLoads_Health503AndApis503_ThenServed()
    {
        var release = new TaskCompletionSource();
        await using var server = await TestServers.StartAsync(o => o with
        {
            ModelLoader = ct =>
            {
                release.Task.Wait(ct);
                return TinyModel.Shared;
            },
        }, waitForModel: false);
        using var client = TestServers.Client(server);

        using var health = await client.GetAsync("/health", Ct);
        using var models = await client.GetAsync("/v1/models", Ct);
        using var generate = await client.PostAsJsonAsync("/generate", new { inputs = "x" }, Ct);
        release.SetResult();
        await server.Host.Loaded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using var ready = await client.GetAsync("/health", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("loading", (await Sse.JsonAsync(health)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, models.StatusCode);
        Assert.Equal("unavailable_error", (await Sse.JsonAsync(models)).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, generate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Cors_OffByDefault_OnForTheConfiguredOrigin()
    {
        await using var closed = await TestServers.StartAsync();
        await using var open = await TestServers.StartAsync(o => o with { CorsOrigins = ["http://editor.example"] });
        static HttpRequestMessage Preflight() => new(HttpMethod.Options, "/v1/chat/completions")
        {
            Headers = { { "Origin", "http://editor.example" }, { "Access-Control-Request-Method", "POST" } },
        };
        using var closedClient = TestServers.Client(closed);
        using var openClient = TestServers.Client(open);

        using var denied = await closedClient.SendAsync(Preflight(), Ct);
        using var allowed = await openClient.SendAsync(Preflight(), Ct);

        Assert.False(denied.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("http://editor.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Metrics_AfterRequests_PrometheusCountersAndHistograms()
    {
        await using var server = await TestServers.StartAsync();
        using var client = TestServers.Client(server);
        using var ok = await client.PostAsJsonAsync("/v1/completions", new { prompt = "def f", max_tokens = 5, temperature = 0 }, Ct);
        using var bad = await client.PostAsync("/v1/completions", new StringContent("nope", Encoding.UTF8, "application/json"), Ct);

        string metrics = await client.GetStringAsync("/metrics", Ct);

        Assert.Contains("starchat_requests_total{endpoint=\"/v1/completions\",status=\"200\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("starchat_requests_total{endpoint=\"/v1/completions\",status=\"400\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("starchat_generated_tokens_total 5", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE starchat_time_to_first_token_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("starchat_time_to_first_token_seconds_count 1", metrics, StringComparison.Ordinal);
        Assert.Contains("starchat_queue_length 0", metrics, StringComparison.Ordinal);
    }
}
