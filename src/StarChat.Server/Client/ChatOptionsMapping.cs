using StarChat.Generation.Sampling;
using StarChat.Server.Prompts;
using StarChat.Server.Requests;
using StarChat.Server.Scheduling;
using AI = Microsoft.Extensions.AI;

namespace StarChat.Server.Client;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="AI.ChatOptions"/> and messages in StarChat's terms: Temperature, TopP, TopK,
/// MaxOutputTokens, StopSequences, Seed, FrequencyPenalty and PresencePenalty map to our sampling; a temperature of 0
/// is greedy decoding; anything left out takes the client's defaults.
/// </summary>
internal static class ChatOptionsMapping
{
    /// <summary>Roles the chat formats know; others are refused by the prompt builder.</summary>
    public static IReadOnlyList<Text.Chat.ChatMessage> Messages(IEnumerable<AI.ChatMessage> messages)
    {
        var result = new List<Text.Chat.ChatMessage>();
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is not (AI.TextContent or AI.UsageContent))
                    throw new NotSupportedException($"{content.GetType().Name} in a {message.Role} message: this model reads text only");
            }
            result.Add(new Text.Chat.ChatMessage(message.Role.Value, message.Text));
        }
        return result;
    }

    public static SequenceRequest Sequence(BuiltPrompt prompt, AI.ChatOptions? options, SamplingOptions defaults, int defaultMaxTokens, int capacity)
    {
        if (options?.Temperature is { } t && !(t >= 0 && float.IsFinite(t))) throw new ArgumentOutOfRangeException(nameof(options), $"Temperature must be 0 or more (got {t})");
        if (options?.TopP is { } p && !(p > 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(options), $"TopP must be in (0, 1] (got {p})");
        if (options?.TopK is < 0) throw new ArgumentOutOfRangeException(nameof(options), $"TopK must be 0 or more (got {options.TopK})");
        if (options?.MaxOutputTokens is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxOutputTokens must be at least 1 (got {options.MaxOutputTokens})");
        int maxNew = ContextBudget.MaxNewTokens(prompt.Ids.Length, options?.MaxOutputTokens, defaultMaxTokens, capacity);
        var sampling = defaults with
        {
            DoSample = options?.Temperature is { } temp ? temp > 0 : defaults.DoSample,
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            MaxNewTokens = maxNew,
            MinNewTokens = Math.Min(defaults.MinNewTokens, maxNew),
            Seed = options?.Seed is { } seed ? SeedPolicy.Fold(seed) : defaults.Seed,
        };
        sampling.Validate();
        return new SequenceRequest
        {
            PromptIds = prompt.Ids,
            Sampling = sampling,
            StopTokenIds = prompt.StopTokenIds,
            StopStrings = [.. prompt.StopStrings, .. (options?.StopSequences ?? []).Where(s => s.Length > 0)],
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0,
        };
    }

    public static AI.ChatFinishReason FinishReason(Generation.FinishReason reason) => reason switch
    {
        Generation.FinishReason.Length or Generation.FinishReason.ContextFull => AI.ChatFinishReason.Length,
        _ => AI.ChatFinishReason.Stop,
    };
}
