using System.Globalization;
using System.Text;
using System.Text.Json;
using StarChat.Generation;
using StarChat.Generation.Sampling;
using StarChat.Server.Hosting;
using StarChat.Server.Prompts;
using StarChat.Server.Requests;
using StarChat.Server.Scheduling;
using StarChat.Text.Chat;

namespace StarChat.Server.OpenAi;

/// <summary>
/// Checks OpenAI request bodies and turns them into scheduler requests. Ranges follow OpenAI's API (temperature
/// 0–2, penalties −2..2, logit_bias −100..100, top_logprobs 0–20, at most four stop strings); <c>temperature: 0</c> is
/// greedy decoding. Parameters a request leaves out take the server's defaults (the StarChat model cards' unless
/// <c>starchat serve</c> was told otherwise). <c>max_tokens</c> is clamped to what fits in the context.
/// </summary>
internal static class OpenAiMapping
{
    /// <summary>What to run for one request: the prompt, one sequence per choice, and the model id to report (the adapter's name when one was chosen).</summary>
    internal sealed record Plan(BuiltPrompt Prompt, IReadOnlyList<SequenceRequest> Sequences, string ModelName);

    public static Plan Chat(ChatCompletionRequest body, ServedModel model)
    {
        var adapter = model.Adapters.ForModel(body.Model);
        if (body.Tools.ValueKind is JsonValueKind.Array && body.Tools.GetArrayLength() > 0)
            throw new InvalidRequestException("tools (function calling) are not supported by this server", "tools");
        if (body.ResponseFormat?.Type is { } format && format != "text")
            throw new InvalidRequestException($"response_format '{format}' is not supported; only 'text'", "response_format");
        int topLogProbs = 0;
        if (body.TopLogProbs is { } top)
        {
            if (top is < 0 or > 20) throw new InvalidRequestException($"top_logprobs must be 0..20 (got {top})", "top_logprobs");
            if (body.LogProbs != true) throw new InvalidRequestException("top_logprobs needs logprobs: true", "top_logprobs");
            topLogProbs = top;
        }
        var prompt = model.Prompts.Chat(Messages(body.Messages));
        long? requested = body.MaxCompletionTokens ?? body.MaxTokens;
        string maxParam = body.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        return Build(prompt, model, adapter, requested, maxParam, model.Options.DefaultMaxTokens, new Knobs(body.Temperature, body.TopP, body.TopK, body.MinP,
            body.RepetitionPenalty, body.PresencePenalty, body.FrequencyPenalty, body.LogitBias, body.N, body.Seed, body.Stop), topLogProbs);
    }

    public static IReadOnlyList<Plan> Completion(CompletionRequest body, ServedModel model)
    {
        var adapter = model.Adapters.ForModel(body.Model);
        if (body.Echo == true) throw new InvalidRequestException("echo is not supported", "echo");
        if (body.BestOf is { } bestOf && bestOf != (body.N ?? 1))
            throw new InvalidRequestException("best_of other than n is not supported", "best_of");
        int topLogProbs = 0;
        if (body.LogProbs is { } lp)
        {
            if (lp is < 0 or > 5) throw new InvalidRequestException($"logprobs must be 0..5 (got {lp})", "logprobs");
            topLogProbs = lp;
        }
        var prompts = Prompts(body.Prompt, body.Suffix, model.Prompts);
        // OpenAI's documented default for completions is 16 tokens.
        var knobs = new Knobs(body.Temperature, body.TopP, body.TopK, body.MinP, body.RepetitionPenalty, body.PresencePenalty,
            body.FrequencyPenalty, body.LogitBias, body.N, body.Seed, body.Stop);
        return [.. prompts.Select(p => Build(p, model, adapter, body.MaxTokens, "max_tokens", 16, knobs, topLogProbs))];
    }

    private sealed record Knobs(
        double? Temperature, double? TopP, int? TopK, double? MinP, double? RepetitionPenalty, double? Presence, double? Frequency,
        Dictionary<string, double>? LogitBias, int? N, long? Seed, JsonElement Stop);

    private static Plan Build(BuiltPrompt prompt, ServedModel model, SelectableAdapter? adapter, long? requestedMax, string maxParam, int fallbackMax, Knobs k, int topLogProbs)
    {
        var options = model.Options;
        if (requestedMax is < 1) throw new InvalidRequestException($"{maxParam} must be at least 1 (got {requestedMax})", maxParam);
        int? requested = requestedMax is { } m ? (int)Math.Min(m, int.MaxValue) : null;
        int maxNew = ContextBudget.MaxNewTokens(prompt.Ids.Length, requested, fallbackMax, model.Capacity, "messages");
        int n = k.N ?? 1;
        if (n < 1 || n > options.MaxChoices) throw new InvalidRequestException($"n must be 1..{options.MaxChoices} (got {n})", "n");

        var sampling = Sampling(k, options.DefaultSampling, maxNew);
        var stops = Stops(k.Stop, options.MaxStopSequences);
        var bias = LogitBias(k.LogitBias, model.Model.Text.Tokenizer.VocabSize);
        float presence = Penalty(k.Presence, "presence_penalty"), frequency = Penalty(k.Frequency, "frequency_penalty");
        int seed = SeedPolicy.Choose(k.Seed);
        var sequences = Enumerable.Range(0, n).Select(i => new SequenceRequest
        {
            PromptIds = prompt.Ids,
            Sampling = sampling with { Seed = SeedPolicy.ForChoice(seed, i) },
            StopTokenIds = prompt.StopTokenIds,
            StopStrings = [.. prompt.StopStrings, .. stops],
            TopLogProbs = topLogProbs,
            LogitBias = bias,
            PresencePenalty = presence,
            FrequencyPenalty = frequency,
            Adapter = adapter?.Id ?? 0,
        }).ToList();
        return new Plan(prompt, sequences, adapter?.Name ?? model.Name);
    }

    private static SamplingOptions Sampling(Knobs k, SamplingOptions defaults, int maxNew)
    {
        if (k.Temperature is { } t && !(t >= 0 && t <= 2)) throw new InvalidRequestException($"temperature must be 0..2 (got {t})", "temperature");
        if (k.TopP is { } p && !(p > 0 && p <= 1)) throw new InvalidRequestException($"top_p must be in (0, 1] (got {p})", "top_p");
        if (k.TopK is < 0) throw new InvalidRequestException($"top_k must be 0 or more (got {k.TopK})", "top_k");
        if (k.MinP is { } mp && !(mp >= 0 && mp <= 1)) throw new InvalidRequestException($"min_p must be 0..1 (got {mp})", "min_p");
        if (k.RepetitionPenalty is { } r && !(r > 0 && double.IsFinite(r))) throw new InvalidRequestException($"repetition_penalty must be > 0 (got {r})", "repetition_penalty");
        return defaults with
        {
            // temperature 0 means greedy (OpenAI routes of TGI and llama.cpp agree).
            DoSample = k.Temperature is { } temp ? temp > 0 : defaults.DoSample,
            Temperature = k.Temperature is { } tt ? (float)tt : defaults.Temperature,
            TopP = k.TopP is { } tp ? (float)tp : defaults.TopP,
            TopK = k.TopK ?? defaults.TopK,
            MinP = k.MinP is { } m ? (float)m : defaults.MinP,
            RepetitionPenalty = k.RepetitionPenalty is { } rp ? (float)rp : defaults.RepetitionPenalty,
            MaxNewTokens = maxNew,
            MinNewTokens = Math.Min(defaults.MinNewTokens, maxNew),
        };
    }

    private static float Penalty(double? value, string param)
    {
        if (value is not { } v) return 0;
        if (!(v >= -2 && v <= 2)) throw new InvalidRequestException($"{param} must be -2..2 (got {v})", param);
        return (float)v;
    }

    private static Dictionary<int, float>? LogitBias(Dictionary<string, double>? bias, int vocab)
    {
        if (bias is null || bias.Count == 0) return null;
        var result = new Dictionary<int, float>();
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= vocab)
                throw new InvalidRequestException($"logit_bias key '{key}' is not a token id (0..{vocab - 1})", "logit_bias");
            if (!(value >= -100 && value <= 100))
                throw new InvalidRequestException($"logit_bias[{key}] must be -100..100 (got {value})", "logit_bias");
            result[id] = (float)value;
        }
        return result;
    }

    /// <summary><c>stop</c>: absent, null, a string, or an array of at most <paramref name="max"/> strings.</summary>
    public static IReadOnlyList<string> Stops(JsonElement stop, int max)
    {
        switch (stop.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return [];
            case JsonValueKind.String:
                return stop.GetString() is { Length: > 0 } one ? [one] : [];
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in stop.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) throw new InvalidRequestException("stop must be a string or an array of strings", "stop");
                    if (item.GetString() is { Length: > 0 } s) list.Add(s);
                }
                if (list.Count > max) throw new InvalidRequestException($"stop holds {list.Count} strings; at most {max} are allowed", "stop");
                return list;
            default:
                throw new InvalidRequestException("stop must be a string or an array of strings", "stop");
        }
    }

    /// <summary>
    /// Chat messages with plain-text content. <c>developer</c> (OpenAI's newer name for the system role) is read as
    /// <c>system</c>; other roles are checked by the prompt builder.
    /// </summary>
    public static IReadOnlyList<ChatMessage> Messages(List<ChatMessageBody>? messages)
    {
        if (messages is null || messages.Count == 0)
            throw new InvalidRequestException("messages must hold at least one message", "messages");
        var result = new List<ChatMessage>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw new InvalidRequestException($"messages[{i}] is null", $"messages[{i}]");
            string role = m.Role switch
            {
                null => throw new InvalidRequestException($"messages[{i}].role is missing", $"messages[{i}].role"),
                "developer" => "system",
                var r => r,
            };
            result.Add(new ChatMessage(role, Content(m.Content, i)));
        }
        return result;
    }

    private static string Content(JsonElement content, int index)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return "";
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                        throw new InvalidRequestException($"messages[{index}].content parts must be objects with a type", $"messages[{index}].content");
                    if (type.GetString() != "text" || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                        throw new InvalidRequestException($"messages[{index}].content: only text parts are supported (got '{type.GetString()}')", $"messages[{index}].content");
                    if (text.Length > 0) text.Append('\n');
                    text.Append(t.GetString());
                }
                return text.ToString();
            default:
                throw new InvalidRequestException($"messages[{index}].content must be a string or an array of text parts", $"messages[{index}].content");
        }
    }

    /// <summary><c>prompt</c>: a string, an array of strings, an array of token ids, or an array of id arrays.</summary>
    private static List<BuiltPrompt> Prompts(JsonElement prompt, string? suffix, PromptBuilder builder)
    {
        BuiltPrompt Text(string text) => suffix is not null ? builder.Infill(text, suffix) : builder.Completion(text);
        switch (prompt.ValueKind)
        {
            case JsonValueKind.String:
                return [Text(prompt.GetString()!)];
            case JsonValueKind.Array when prompt.GetArrayLength() == 0:
                throw new InvalidRequestException("prompt is empty", "prompt");
            case JsonValueKind.Array:
                var first = prompt[0];
                if (first.ValueKind == JsonValueKind.Number)
                    return [builder.Tokens(Ids(prompt, "prompt"), "prompt")];
                var list = new List<BuiltPrompt>();
                int i = 0;
                foreach (var item in prompt.EnumerateArray())
                {
                    list.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => Text(item.GetString()!),
                        JsonValueKind.Array => builder.Tokens(Ids(item, $"prompt[{i}]"), $"prompt[{i}]"),
                        _ => throw new InvalidRequestException("prompt must be a string, an array of strings, or token ids", "prompt"),
                    });
                    i++;
                }
                return list;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                throw new InvalidRequestException("prompt is required", "prompt");
            default:
                throw new InvalidRequestException("prompt must be a string, an array of strings, or token ids", "prompt");
        }
    }

    private static int[] Ids(JsonElement array, string param)
    {
        var ids = new int[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]))
                throw new InvalidRequestException($"{param}[{i}] is not a token id", param);
            i++;
        }
        if (ids.Length == 0) throw new InvalidRequestException($"{param} is empty", param);
        return ids;
    }
}
