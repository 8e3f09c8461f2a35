using System.Runtime.CompilerServices;
using System.Text;
using StarChat.Generation;
using StarChat.Server.Hosting;
using StarChat.Server.OpenAi;
using StarChat.Server.Scheduling;
using StarChat.Text.Tokenization;

namespace StarChat.Server.Tgi;

/// <summary>
/// TGI response bodies. Token log-probabilities are those of the distribution each token was drawn from (after
/// temperature and filtering), as TGI reports them; tokens are listed with their own text, the stop token included.
/// </summary>
internal static class TgiReplies
{
    public static string FinishReason(FinishReason reason) => reason switch
    {
        Generation.FinishReason.EndOfSequence => "eos_token",
        Generation.FinishReason.StopString => "stop_sequence",
        _ => "length",
    };

    public static TgiGenerateResponse Generate(ServedModel model, TgiMapping.Plan plan, SequenceHandle handle, IReadOnlyList<TokenEvent> events)
    {
        var text = new StringBuilder();
        if (plan.ReturnFullText) text.Append(plan.Inputs);
        foreach (var e in events) text.Append(e.Text);
        if (!plan.Details) return new TgiGenerateResponse(text.ToString(), null);

        var tokenizer = model.Model.Text.Tokenizer;
        var tokens = events.Where(e => e.Id >= 0).ToList();
        var details = new TgiDetails(
            FinishReason(events[^1].Finish ?? Generation.FinishReason.Length),
            tokens.Count,
            plan.Seed,
            [.. handle.PromptLogProbs.Select(p => new TgiPrefillToken(p.Id, tokenizer.Decode([p.Id]), p.LogProb))],
            [.. tokens.Select(Token)],
            plan.Sequence.TopLogProbs > 0 ? [.. tokens.Select(e => Top(tokenizer, e))] : null);
        return new TgiGenerateResponse(text.ToString(), details);
    }

    public static async IAsyncEnumerable<string> StreamAsync(ServedModel model, TgiMapping.Plan plan, SequenceHandle handle,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokenizer = model.Model.Text.Tokenizer;
        var text = new StringBuilder();
        if (plan.ReturnFullText) text.Append(plan.Inputs);
        int index = 0;
        await foreach (var (_, e, error) in OpenAiStreaming.Guarded([handle], cancellationToken).ConfigureAwait(false))
        {
            if (error is not null)
            {
                yield return ServerJson.Serialize(TgiErrors.Body(new RequestError(500, error.Message)));
                yield break;
            }
            text.Append(e!.Text);
            if (e.Id < 0 && e.Finish is null) continue;
            var token = e.Id >= 0 ? Token(e) : new TgiToken(-1, "", 0, false);
            bool last = e.Finish is not null;
            yield return ServerJson.Serialize(new TgiStreamEvent(++index, token, e.Id >= 0 ? Top(tokenizer, e) : [],
                last ? text.ToString() : null,
                last ? new TgiStreamDetails(FinishReason(e.Finish!.Value), handle.GeneratedTokens, plan.Seed, plan.Prompt.Ids.Length) : null));
        }
    }

    private static TgiToken Token(TokenEvent e) => new(e.Id, e.TokenText, e.SampledLogProb, e.Special);

    private static IReadOnlyList<TgiToken> Top(ByteLevelBpeTokenizer tokenizer, TokenEvent e)
        => [.. e.TopLogProbs.Select(t => new TgiToken(t.Id, tokenizer.Decode([t.Id]), t.LogProb, tokenizer.IsSpecial(t.Id)))];
}
