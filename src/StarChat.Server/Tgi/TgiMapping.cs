using StarChat.Generation.Sampling;
using StarChat.Server.Hosting;
using StarChat.Server.Prompts;
using StarChat.Server.Requests;
using StarChat.Server.Scheduling;

namespace StarChat.Server.Tgi;

/// <summary>
/// Checks TGI request bodies the way TGI's router does (protocols.md §4.3: temperature &gt; 0, 0 &lt; top_p &lt; 1,
/// top_k &gt; 0, …) and turns them into a scheduler request. As in TGI, a parameter left out switches its step off
/// (no server defaults), and any sampling parameter implies sampling; otherwise decoding is greedy.
/// </summary>
internal static class TgiMapping
{
    /// <summary>Most alternatives per token (TGI's default <c>max_top_n_tokens</c>).</summary>
    public const int MaxTopNTokens = 5;

    internal sealed record Plan(BuiltPrompt Prompt, SequenceRequest Sequence, long? Seed, bool Details, bool ReturnFullText, string Inputs);

    public static Plan Map(TgiGenerateRequest body, ServedModel model)
    {
        if (string.IsNullOrEmpty(body.Inputs))
            throw new InvalidRequestException("`inputs` cannot be empty", "inputs");
        var p = body.Parameters ?? new TgiParameters();
        var options = model.Options;
        var adapter = model.Adapters.ForAdapterId(p.AdapterId);
        if (p.Temperature is { } t && !(t > 0 && double.IsFinite(t))) throw new InvalidRequestException($"`temperature` must be strictly positive (got {t})", "temperature");
        if (p.TopP is { } tp && !(tp > 0 && tp < 1)) throw new InvalidRequestException($"`top_p` must be > 0.0 and < 1.0 (got {tp})", "top_p");
        if (p.TypicalP is { } ty && !(ty > 0 && ty < 1)) throw new InvalidRequestException($"`typical_p` must be > 0.0 and < 1.0 (got {ty})", "typical_p");
        if (p.TopK is { } k && k <= 0) throw new InvalidRequestException($"`top_k` must be strictly positive (got {k})", "top_k");
        if (p.RepetitionPenalty is { } r && !(r > 0 && double.IsFinite(r))) throw new InvalidRequestException($"`repetition_penalty` must be strictly positive (got {r})", "repetition_penalty");
        if (p.FrequencyPenalty is { } f && !(f >= -2 && f <= 2)) throw new InvalidRequestException($"`frequency_penalty` must be >= -2.0 and <= 2.0 (got {f})", "frequency_penalty");
        if (p.MaxNewTokens is < 1) throw new InvalidRequestException($"`max_new_tokens` must be strictly positive (got {p.MaxNewTokens})", "max_new_tokens");
        if (p.Stop is { } stop && stop.Count > options.MaxStopSequences)
            throw new InvalidRequestException($"`stop` supports up to {options.MaxStopSequences} stop sequences. Given: {stop.Count}", "stop");
        if (p.BestOf is > 1) throw new InvalidRequestException($"`best_of` must be <= 1 (max_best_of); got {p.BestOf}", "best_of");
        if (p.Watermark == true) throw new InvalidRequestException("`watermark` is not supported by this server", "watermark");
        if (p.Grammar.ValueKind is not (System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null))
            throw new InvalidRequestException("`grammar` is not supported by this server", "grammar");
        if (p.TopNTokens is < 0 or > MaxTopNTokens) throw new InvalidRequestException($"`top_n_tokens` must be 0..{MaxTopNTokens} (got {p.TopNTokens})", "top_n_tokens");
        if (p.Truncate is < 1) throw new InvalidRequestException($"`truncate` must be strictly positive (got {p.Truncate})", "truncate");

        var prompt = model.Prompts.Completion(body.Inputs);
        if (p.Truncate is { } keep && prompt.Ids.Length > keep)
            prompt = prompt with { Ids = prompt.Ids[^keep..] };
        int? requested = p.MaxNewTokens is { } m ? (int)Math.Min(m, int.MaxValue) : null;
        int maxNew = ContextBudget.MaxNewTokens(prompt.Ids.Length, requested, options.DefaultMaxTokens, model.Capacity, "inputs");

        // TGI samples when asked to or when any warper is set (NextTokenChooser's has_warpers).
        bool warpers = (p.Temperature is { } temp && temp != 1) || p.TopK is > 0 || p.TopP is < 1 || p.TypicalP is < 1;
        bool sample = p.DoSample == true || warpers;
        int? seed = sample ? SeedPolicy.Choose(p.Seed) : null;
        var sampling = new SamplingOptions
        {
            DoSample = sample,
            Temperature = p.Temperature is { } tt ? (float)tt : null,
            TopK = p.TopK,
            TopP = p.TopP is { } ttp ? (float)ttp : null,
            TypicalP = p.TypicalP is { } tty ? (float)tty : null,
            RepetitionPenalty = p.RepetitionPenalty is { } rr ? (float)rr : null,
            MaxNewTokens = maxNew,
            Seed = seed,
        };
        var sequence = new SequenceRequest
        {
            PromptIds = prompt.Ids,
            Sampling = sampling,
            StopTokenIds = prompt.StopTokenIds,
            StopStrings = [.. prompt.StopStrings, .. (p.Stop ?? []).Where(s => s.Length > 0)],
            TopLogProbs = p.TopNTokens ?? 0,
            PromptLogProbs = p.DecoderInputDetails == true,
            FrequencyPenalty = p.FrequencyPenalty is { } ff ? (float)ff : 0,
            Adapter = adapter?.Id ?? 0,
        };
        return new Plan(prompt, sequence, seed, p.Details == true, p.ReturnFullText == true, body.Inputs);
    }
}
