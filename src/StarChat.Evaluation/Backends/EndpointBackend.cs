using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StarChat.Evaluation.Backends;

/// <summary>
/// A remote model behind an OpenAI-compatible or TGI endpoint (protocols.md §5): completions through
/// <c>/v1/completions</c> (with <c>n</c>) or TGI <c>/generate</c> (one request per sample), chat through
/// <c>/v1/chat/completions</c>. At most <see cref="MaxStopStrings"/> stop strings are sent (the OpenAI and TGI
/// limit); callers cut at the rest themselves. Transient failures (429, 5xx, connection errors) are retried.
/// </summary>
public sealed class EndpointBackend : ICompletionBackend, IChatBackend, IDisposable
{
    /// <summary>Stop strings sent per request (OpenAI allows 4; TGI's default <c>max_stop_sequences</c> is 4).</summary>
    public const int MaxStopStrings = 4;

    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly Uri _base;
    private readonly EndpointApi _api;
    private readonly SemaphoreSlim _modelLock = new(1, 1);
    private string? _model;
    private bool _onePerRequest;

    /// <summary>Creates a client for <paramref name="endpoint"/> (the server root, with or without a trailing <c>/v1</c>).</summary>
    /// <param name="endpoint">Server address.</param>
    /// <param name="api">Protocol.</param>
    /// <param name="model">Model name to send; null asks <c>GET /v1/models</c> once (vLLM needs the exact name), falling back to <c>tgi</c>.</param>
    /// <param name="http">Client to use (tests pass one); null creates one with a 10-minute timeout.</param>
    public EndpointBackend(Uri endpoint, EndpointApi api = EndpointApi.OpenAi, string? model = null, HttpClient? http = null)
    {
        string root = endpoint.ToString().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.Ordinal)) root = root[..^3];
        _base = new Uri(root + "/");
        _api = api;
        _model = model;
        _ownsClient = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>Attempts per request (the first included) when the failure is transient.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the first retry; doubled after each.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc cref="ICompletionBackend.Description"/>
    public string Description => $"{(_api == EndpointApi.Tgi ? "tgi" : "openai")}:{_base}";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionJob job, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(job.Count, 1);
        var results = new List<string>(job.Count);
        if (_api == EndpointApi.Tgi)
        {
            for (int i = 0; i < job.Count; i++)
                results.Add(await TgiGenerateAsync(job, job.Seed is { } s ? s + i : null, cancellationToken).ConfigureAwait(false));
            return results;
        }
        // One request with n samples; servers that refuse n > 1 (llama.cpp) or return fewer get the rest one at a time.
        if (!_onePerRequest && job.Count > 1)
        {
            try
            {
                results.AddRange(await OpenAiCompleteAsync(job, job.Count, job.Seed, cancellationToken).ConfigureAwait(false));
            }
            catch (EndpointException e) when (e.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
            {
                _onePerRequest = true;
            }
        }
        while (results.Count < job.Count)
        {
            int? seed = job.Seed is { } s ? s + results.Count : null;
            results.AddRange(await OpenAiCompleteAsync(job, 1, seed, cancellationToken).ConfigureAwait(false));
        }
        return results.Take(job.Count).ToList();
    }

    /// <inheritdoc/>
    public async Task<string> ChatAsync(ChatJob job, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["model"] = await ModelAsync(cancellationToken).ConfigureAwait(false),
            ["messages"] = new JsonArray([.. job.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
            ["temperature"] = job.Temperature,
            ["max_tokens"] = job.MaxNewTokens,
        };
        if (job.Seed is { } seed) body["seed"] = seed;
        var reply = await PostAsync("v1/chat/completions", body, cancellationToken).ConfigureAwait(false);
        return reply["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["message"]?["content"] is JsonValue content && content.TryGetValue(out string? text)
            ? text
            : throw new EndpointException($"{_base}v1/chat/completions: reply has no choices[0].message.content");
    }

    private async Task<IReadOnlyList<string>> OpenAiCompleteAsync(CompletionJob job, int n, int? seed, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = await ModelAsync(cancellationToken).ConfigureAwait(false),
            ["prompt"] = job.Prompt,
            ["max_tokens"] = job.MaxNewTokens,
            ["temperature"] = job.Temperature,
            ["top_p"] = job.Temperature <= 0 ? 1.0 : job.TopP,
            ["n"] = n,
        };
        if (job.StopStrings.Count > 0) body["stop"] = new JsonArray([.. job.StopStrings.Take(MaxStopStrings).Select(s => (JsonNode)s)]);
        if (seed is { } sd) body["seed"] = sd;
        var reply = await PostAsync("v1/completions", body, cancellationToken).ConfigureAwait(false);
        if (reply["choices"] is not JsonArray choices || choices.Count == 0)
            throw new EndpointException($"{_base}v1/completions: reply has no choices");
        return [.. choices
            .OrderBy(c => c?["index"] is JsonValue i && i.TryGetValue(out int index) ? index : 0)
            .Select(c => c?["text"] is JsonValue t && t.TryGetValue(out string? text) ? text
                : throw new EndpointException($"{_base}v1/completions: a choice has no text"))];
    }

    private async Task<string> TgiGenerateAsync(CompletionJob job, int? seed, CancellationToken cancellationToken)
    {
        // TGI validates strictly: temperature > 0 and 0 < top_p < 1 only when set, so greedy omits both (§4.3).
        bool sample = job.Temperature > 0;
        var parameters = new JsonObject
        {
            ["do_sample"] = sample,
            ["max_new_tokens"] = job.MaxNewTokens,
            ["return_full_text"] = false,
        };
        if (sample) parameters["temperature"] = job.Temperature;
        if (sample && job.TopP is > 0 and < 1) parameters["top_p"] = job.TopP;
        if (sample && job.TopK > 0) parameters["top_k"] = job.TopK;
        if (job.StopStrings.Count > 0) parameters["stop"] = new JsonArray([.. job.StopStrings.Take(MaxStopStrings).Select(s => (JsonNode)s)]);
        if (seed is { } sd) parameters["seed"] = sd;
        var reply = await PostAsync("generate", new JsonObject { ["inputs"] = job.Prompt, ["parameters"] = parameters }, cancellationToken).ConfigureAwait(false);
        // POST / answers with an array of one; /generate with the object itself.
        var first = reply is JsonArray { Count: > 0 } array ? array[0] : reply;
        return first?["generated_text"] is JsonValue g && g.TryGetValue(out string? text)
            ? text
            : throw new EndpointException($"{_base}generate: reply has no generated_text");
    }

    private async Task<string> ModelAsync(CancellationToken cancellationToken)
    {
        if (_model is not null) return _model;
        await _modelLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_model is not null) return _model;
            try
            {
                using var response = await _http.GetAsync(new Uri(_base, "v1/models"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode
                    && await response.Content.ReadFromJsonAsync(EvaluationJsonContext.Default.JsonNode, cancellationToken).ConfigureAwait(false) is { } list
                    && list["data"] is JsonArray { Count: > 0 } data && data[0]?["id"] is JsonValue id && id.TryGetValue(out string? name))
                    return _model = name;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException)
            {
                // No model list: TGI treats "tgi" as "the served model".
            }
            return _model = "tgi";
        }
        finally
        {
            _modelLock.Release();
        }
    }

    private async Task<JsonNode> PostAsync(string route, JsonObject body, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base, route);
        TimeSpan delay = RetryDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await PostOnceAsync(uri, body, cancellationToken).ConfigureAwait(false);
            }
            catch (EndpointException e) when (e.Transient && attempt < MaxAttempts)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    private async Task<JsonNode> PostOnceAsync(Uri uri, JsonObject body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsJsonAsync(uri, body, EvaluationJsonContext.Default.JsonObject, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new EndpointException($"{uri}: {e.Message}", null, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EndpointException($"{uri}: timed out after {_http.Timeout}", null, e);
        }
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new EndpointException($"{uri}: HTTP {(int)response.StatusCode}: {ErrorMessage(text)}", response.StatusCode);
            try
            {
                return JsonNode.Parse(text) ?? throw new EndpointException($"{uri}: empty reply", response.StatusCode);
            }
            catch (JsonException e)
            {
                throw new EndpointException($"{uri}: reply is not JSON ({e.Message})", response.StatusCode, e);
            }
        }
    }

    /// <summary>The message of an OpenAI (<c>{"error":{"message"}}</c>) or TGI (<c>{"error": "..."}</c>) error body, else the body.</summary>
    internal static string ErrorMessage(string body)
    {
        try
        {
            var node = JsonNode.Parse(body);
            if (node?["error"] is JsonValue plain && plain.TryGetValue(out string? tgi)) return tgi;
            if (node?["error"]?["message"] is JsonValue m && m.TryGetValue(out string? openAi)) return openAi;
        }
        catch (JsonException)
        {
        }
        return body.Length > 300 ? body[..300] + "…" : body;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _modelLock.Dispose();
        if (_ownsClient) _http.Dispose();
    }
}
