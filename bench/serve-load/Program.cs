using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

// Drives a running `starchat serve` with N concurrent streaming clients (OpenAI /v1/completions, greedy, a fixed
// number of tokens each) and reports, per N: median and worst time to first token, per-client and aggregate tokens/s,
// and failures. Usage: ServeLoad --url http://127.0.0.1:8080 [--clients 1,2,4,8] [--tokens 32] [--prompt TEXT]
var arguments = Arguments.Parse(args);
using var http = new HttpClient { BaseAddress = new Uri(arguments.Url), Timeout = TimeSpan.FromMinutes(30) };
await Warmup.RunAsync(http, arguments);
Console.WriteLine($"server {arguments.Url}, {arguments.Tokens} tokens per client, prompt of {arguments.Prompt.Length} characters");
Console.WriteLine("| clients | TTFT median (s) | TTFT max (s) | tokens/s per client | aggregate tokens/s | failed |");
Console.WriteLine("|--------:|----------------:|-------------:|--------------------:|-------------------:|-------:|");
int totalFailures = 0;
foreach (int clients in arguments.Clients)
{
    var started = Stopwatch.StartNew();
    var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Client.StreamAsync(http, arguments, i)));
    double wall = started.Elapsed.TotalSeconds;
    var ok = results.Where(r => r.Error is null).ToList();
    int failed = clients - ok.Count;
    totalFailures += failed;
    foreach (var r in results.Where(r => r.Error is not null)) Console.Error.WriteLine($"client failed: {r.Error}");
    var ttft = ok.Select(r => r.TimeToFirstToken).Order().ToList();
    double aggregate = ok.Sum(r => r.Tokens) / wall;
    double perClient = ok.Count == 0 ? 0 : ok.Average(r => (r.Tokens - 1) / Math.Max(r.Total - r.TimeToFirstToken, 1e-9));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {clients} | {(ttft.Count > 0 ? ttft[ttft.Count / 2] : double.NaN):F2} | {(ttft.Count > 0 ? ttft[^1] : double.NaN):F2} | {perClient:F2} | {aggregate:F2} | {failed} |"));
}
return totalFailures == 0 ? 0 : 1;

internal sealed record Arguments(string Url, int[] Clients, int Tokens, string Prompt)
{
    public static Arguments Parse(string[] args)
    {
        string url = "http://127.0.0.1:8080", prompt = "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n";
        int[] clients = [1, 2, 4, 8];
        int tokens = 32;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--url": url = args[i + 1]; break;
                case "--clients": clients = [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--tokens": tokens = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--prompt": prompt = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return new Arguments(url, clients, tokens, prompt);
    }
}

internal sealed record ClientResult(double TimeToFirstToken, double Total, int Tokens, string? Error);

internal static class Client
{
    /// <summary>One streamed completion; the prompt differs per client so no slot reuses another's cache.</summary>
    public static async Task<ClientResult> StreamAsync(HttpClient http, Arguments arguments, int index)
    {
        var clock = Stopwatch.StartNew();
        double ttft = double.NaN;
        try
        {
            var body = new
            {
                prompt = $"# client {index}\n{arguments.Prompt}",
                max_tokens = arguments.Tokens,
                temperature = 0,
                stream = true,
                stream_options = new { include_usage = true },
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
                return new ClientResult(ttft, clock.Elapsed.TotalSeconds, 0, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
            int tokens = 0;
            bool done = false;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                string data = line[6..];
                if (data == "[DONE]") { done = true; break; }
                var chunk = JsonDocument.Parse(data).RootElement;
                if (chunk.TryGetProperty("error", out var error)) return new ClientResult(ttft, clock.Elapsed.TotalSeconds, tokens, error.ToString());
                if (double.IsNaN(ttft) && chunk.GetProperty("choices").GetArrayLength() > 0) ttft = clock.Elapsed.TotalSeconds;
                if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                    tokens = usage.GetProperty("completion_tokens").GetInt32();
            }
            return done ? new ClientResult(ttft, clock.Elapsed.TotalSeconds, tokens, null) : new ClientResult(ttft, clock.Elapsed.TotalSeconds, tokens, "stream ended without [DONE]");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException)
        {
            return new ClientResult(ttft, clock.Elapsed.TotalSeconds, 0, e.Message);
        }
    }
}

internal static class Warmup
{
    /// <summary>Waits for the model to load (/health 200), then runs one short request so JIT and caches are warm.</summary>
    public static async Task RunAsync(HttpClient http, Arguments arguments)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                using var health = await http.GetAsync("/health");
                if (health.IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{arguments.Url} did not become healthy");
            await Task.Delay(500);
        }
        await Client.StreamAsync(http, arguments with { Tokens = 2 }, -1);
    }
}
