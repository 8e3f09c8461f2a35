using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>
/// Scores through an OpenAI-compatible <c>/v1/completions</c> endpoint (vLLM, TGI, a StarChat server) the way the
/// harness's <c>local-completions</c> model does: prompts are sent as token ids; a log-likelihood request asks for
/// <c>echo: true</c>, <c>logprobs: 1</c>, <c>max_tokens: 1</c> and sums the echoed log-probabilities of the
/// continuation tokens; a token is greedy when its log-probability equals the best of its <c>top_logprobs</c>.
/// The input window is the last <c>max_length</c> tokens of context + continuation (the endpoint returns a
/// log-probability for every token but the first). Generation sends <c>temperature: 0</c> and the stop strings.
/// </summary>
public sealed class CompletionsEndpointBackend : IScoringBackend
{
    private readonly HttpClient _http;
    private readonly Uri _completions;
    private readonly string? _model;

    /// <summary>Creates the backend.</summary>
    /// <param name="endpoint">Base URL (<c>http://host:8000</c> or <c>…/v1</c>) or the full <c>…/v1/completions</c> URL.</param>
    /// <param name="maxLength">The window in tokens (the served model's context).</param>
    /// <param name="concurrency">Documents in flight at once.</param>
    /// <param name="model">The <c>model</c> field to send (vLLM needs the served name); null to leave it out.</param>
    /// <param name="apiKey">Sent as a bearer token when given.</param>
    /// <param name="httpClient">A client to use (tests); null for a new one.</param>
    /// <exception cref="ArgumentException">The URL is not absolute http(s), or a number is out of range.</exception>
    public CompletionsEndpointBackend(string endpoint, int maxLength, int concurrency = 1, string? model = null, string? apiKey = null,
        HttpClient? httpClient = null)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"endpoint '{endpoint}' is not an absolute http(s) URL", nameof(endpoint));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrency);
        string path = uri.AbsolutePath.TrimEnd('/');
        string completions = path.EndsWith("/completions", StringComparison.Ordinal) ? path
            : path.EndsWith("/v1", StringComparison.Ordinal) ? path + "/completions"
            : path + "/v1/completions";
        _completions = new UriBuilder(uri) { Path = completions }.Uri;
        _http = httpClient ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        if (apiKey is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _model = model;
        MaxLength = maxLength;
        Workers = concurrency;
    }

    /// <inheritdoc />
    public string Description => _completions.ToString();

    /// <inheritdoc />
    public int MaxLength { get; }

    /// <inheritdoc />
    public int Workers { get; }

    /// <inheritdoc />
    public IScoringWorker CreateWorker() => new Worker(this);

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    private JsonElement Post(Action<Utf8JsonWriter> body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (_model is not null) w.WriteString("model", _model);
            body(w);
            w.WriteEndObject();
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, _completions)
        {
            Content = new ByteArrayContent(buffer.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        HttpResponseMessage response;
        try
        {
            response = _http.Send(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new LmEvalException($"{_completions}: request failed ({e.Message})", e);
        }
        using (response)
        {
            using var reader = new StreamReader(response.Content.ReadAsStream(cancellationToken), Encoding.UTF8);
            string text = reader.ReadToEnd();
            if (!response.IsSuccessStatusCode)
                throw new LmEvalException($"{_completions}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}");
            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new LmEvalException($"{_completions}: the response is not JSON ({e.Message}): {Truncate(text)}", e);
            }
        }
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    /// <summary>The <c>choices</c> of a completions response, in prompt order (by <c>index</c>).</summary>
    private JsonElement[] Choices(JsonElement response, int expected)
    {
        if (!response.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
            throw new LmEvalException($"{_completions}: the response has no 'choices' array");
        var list = choices.EnumerateArray().ToArray();
        if (list.Length != expected)
            throw new LmEvalException($"{_completions}: {list.Length} choices for {expected} prompts");
        return [.. list.Select((c, i) => (c, i: c.TryGetProperty("index", out var x) && x.TryGetInt32(out int v) ? v : i)).OrderBy(p => p.i).Select(p => p.c)];
    }

    private sealed class Worker(CompletionsEndpointBackend backend) : IScoringWorker
    {
        public IReadOnlyList<LoglikelihoodResult> Loglikelihood(IReadOnlyList<EncodedRequest> requests, CancellationToken cancellationToken)
        {
            if (requests.Count == 0)
                return [];
            int maxLength = backend.MaxLength;
            var windows = requests.Select(r =>
            {
                int[] full = r.FullIds;
                int truncated = Math.Max(0, full.Length - maxLength);
                int contextLength = r.ContextIds.Length - truncated;
                if (contextLength < 1)
                    throw new LmEvalException($"a continuation of {r.ContinuationIds.Length} tokens does not fit in max_length {maxLength}");
                return (Input: full[truncated..], ContextLength: contextLength, Truncated: truncated);
            }).ToArray();

            var response = backend.Post(w =>
            {
                w.WriteStartArray("prompt");
                foreach (var window in windows)
                {
                    w.WriteStartArray();
                    foreach (int id in window.Input) w.WriteNumberValue(id);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteNumber("max_tokens", 1);
                w.WriteNumber("temperature", 0);
                w.WriteNumber("logprobs", 1);
                w.WriteBoolean("echo", true);
            }, cancellationToken);

            var choices = backend.Choices(response, windows.Length);
            var results = new LoglikelihoodResult[windows.Length];
            for (int i = 0; i < windows.Length; i++)
            {
                var (input, contextLength, truncated) = windows[i];
                if (!choices[i].TryGetProperty("logprobs", out var logprobs) || logprobs.ValueKind != JsonValueKind.Object
                    || !logprobs.TryGetProperty("token_logprobs", out var tokenLogProbs) || tokenLogProbs.ValueKind != JsonValueKind.Array)
                {
                    throw new LmEvalException($"{backend._completions}: the response carries no logprobs; scoring needs a completions endpoint that "
                        + "returns prompt log-probabilities for echo=true with logprobs=1 (vLLM and the StarChat server do; many hosted APIs do not)");
                }
                var values = tokenLogProbs.EnumerateArray().ToArray();
                if (values.Length < input.Length)
                    throw new LmEvalException($"{backend._completions}: {values.Length} token log-probabilities for a {input.Length}-token prompt: the endpoint did not echo the prompt");
                logprobs.TryGetProperty("top_logprobs", out var top);
                var tops = top.ValueKind == JsonValueKind.Array ? top.EnumerateArray().ToArray() : [];

                var tokenScores = new double[input.Length - contextLength];
                bool greedy = true;
                for (int p = contextLength; p < input.Length; p++)
                {
                    if (values[p].ValueKind != JsonValueKind.Number)
                        throw new LmEvalException($"{backend._completions}: no log-probability for prompt token {p}");
                    double lp = values[p].GetDouble();
                    tokenScores[p - contextLength] = lp;
                    // Greedy when no alternative beats the token; without top_logprobs it cannot be known (counted as not greedy).
                    greedy &= p < tops.Length && tops[p].ValueKind == JsonValueKind.Object
                        && tops[p].EnumerateObject().All(o => o.Value.ValueKind != JsonValueKind.Number || o.Value.GetDouble() <= lp);
                }
                results[i] = new LoglikelihoodResult(tokenScores.Sum(), greedy, tokenScores, input.Length, truncated);
            }
            return results;
        }

        public GenerationOutput Generate(GenerationInput input, CancellationToken cancellationToken)
        {
            int budget = backend.MaxLength - input.MaxNewTokens;
            if (budget < 1)
                throw new LmEvalException($"max_gen_toks {input.MaxNewTokens} leaves no room for the prompt in max_length {backend.MaxLength}");
            int dropped = Math.Max(0, input.PromptIds.Length - budget);
            var prompt = input.PromptIds[dropped..];
            var response = backend.Post(w =>
            {
                w.WriteStartArray("prompt");
                foreach (int id in prompt) w.WriteNumberValue(id);
                w.WriteEndArray();
                w.WriteNumber("max_tokens", input.MaxNewTokens);
                w.WriteNumber("temperature", 0);
                // OpenAI accepts at most four stop strings; the cut below applies every one anyway.
                w.WriteStartArray("stop");
                foreach (string s in input.StopStrings.Take(4)) w.WriteStringValue(s);
                w.WriteEndArray();
            }, cancellationToken);
            var choice = backend.Choices(response, 1)[0];
            string text = choice.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()!
                : throw new LmEvalException($"{backend._completions}: the completion has no 'text'");
            foreach (string stop in input.StopStrings)
            {
                int at = text.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0) text = text[..at];
            }
            string reason = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "unknown";
            return new GenerationOutput(text, [], reason, prompt.Length, dropped);
        }

        public void Dispose()
        {
        }
    }
}
