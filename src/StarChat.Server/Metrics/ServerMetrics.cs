using System.Collections.Concurrent;
using System.Text;

namespace StarChat.Server.Metrics;

/// <summary>
/// Counters, gauges and histograms of a serving process, written in the Prometheus text format (version 0.0.4):
/// requests by endpoint and status, queue length, running sequences, prompt and generated tokens, time to first
/// token and per-sequence decoding speed.
/// </summary>
public sealed class ServerMetrics
{
    private readonly ConcurrentDictionary<(string Endpoint, int Status), long> _requests = new();
    private readonly Histogram _timeToFirstToken = new("starchat_time_to_first_token_seconds",
        "Time from a sequence's arrival (queueing included) to its first generated token.",
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
    private readonly Histogram _tokensPerSecond = new("starchat_tokens_per_second",
        "Generated tokens per second of each finished sequence, after its first token.",
        [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
    private long _promptTokens, _reusedPromptTokens, _generatedTokens, _sequences;

    /// <summary>Waiting sequences, read when the metrics are written.</summary>
    public Func<int> QueueLength { get; set; } = () => 0;

    /// <summary>Running sequences, read when the metrics are written.</summary>
    public Func<int> Running { get; set; } = () => 0;

    /// <summary>Slots, read when the metrics are written.</summary>
    public Func<int> Slots { get; set; } = () => 0;

    /// <summary>1 when the model is loaded, read when the metrics are written.</summary>
    public Func<bool> ModelLoaded { get; set; } = () => false;

    /// <summary>Counts one answered HTTP request.</summary>
    public void RecordRequest(string endpoint, int status) => _requests.AddOrUpdate((endpoint, status), 1, (_, n) => n + 1);

    /// <summary>Counts the prompt tokens of a sequence and how many came from a slot's cache.</summary>
    public void RecordPrompt(int tokens, int reused)
    {
        Interlocked.Add(ref _promptTokens, tokens);
        Interlocked.Add(ref _reusedPromptTokens, reused);
    }

    /// <summary>Counts one generated token.</summary>
    public void RecordGeneratedToken() => Interlocked.Increment(ref _generatedTokens);

    /// <summary>Observes a sequence's time to first token.</summary>
    public void RecordTimeToFirstToken(TimeSpan elapsed) => _timeToFirstToken.Observe(elapsed.TotalSeconds);

    /// <summary>Observes a finished sequence's decoding speed (null: too short to measure).</summary>
    public void RecordFinished(double? tokensPerSecond)
    {
        Interlocked.Increment(ref _sequences);
        if (tokensPerSecond is { } tps) _tokensPerSecond.Observe(tps);
    }

    /// <summary>Generated tokens so far.</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);

    /// <summary>Requests answered so far with <paramref name="status"/> on <paramref name="endpoint"/>.</summary>
    public long Requests(string endpoint, int status) => _requests.GetValueOrDefault((endpoint, status));

    /// <summary>The metrics in the Prometheus text exposition format.</summary>
    public string ToPrometheusText()
    {
        var text = new StringBuilder();
        text.Append("# HELP starchat_requests_total HTTP requests answered, by endpoint and status code.\n");
        text.Append("# TYPE starchat_requests_total counter\n");
        foreach (var ((endpoint, status), count) in _requests.OrderBy(r => r.Key.Endpoint, StringComparer.Ordinal).ThenBy(r => r.Key.Status))
            text.Append("starchat_requests_total{endpoint=\"").Append(Escape(endpoint)).Append("\",status=\"").Append(status).Append("\"} ").Append(count).Append('\n');
        Gauge(text, "starchat_queue_length", "Sequences waiting for a slot.", QueueLength());
        Gauge(text, "starchat_requests_running", "Sequences being generated.", Running());
        Gauge(text, "starchat_slots", "Sequences that can be generated at once.", Slots());
        Gauge(text, "starchat_model_loaded", "1 once the model is loaded and requests are served.", ModelLoaded() ? 1 : 0);
        Counter(text, "starchat_prompt_tokens_total", "Prompt tokens of accepted sequences.", Interlocked.Read(ref _promptTokens));
        Counter(text, "starchat_prompt_tokens_reused_total", "Prompt tokens found in a slot's cache (not evaluated again).", Interlocked.Read(ref _reusedPromptTokens));
        Counter(text, "starchat_generated_tokens_total", "Tokens generated.", Interlocked.Read(ref _generatedTokens));
        Counter(text, "starchat_sequences_finished_total", "Sequences that ran to an end (stop, length or context).", Interlocked.Read(ref _sequences));
        _timeToFirstToken.Write(text);
        _tokensPerSecond.Write(text);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value)
        => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n").Append(name).Append(' ').Append(value).Append('\n');

    private static void Counter(StringBuilder text, string name, string help, long value)
        => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n").Append(name).Append(' ').Append(value).Append('\n');

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
