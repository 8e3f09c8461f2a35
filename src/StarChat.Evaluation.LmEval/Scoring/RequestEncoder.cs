using StarChat.Evaluation.LmEval.Python;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>The harness's tokenization of a (context, continuation) pair (lm-eval.md §2.1, LE-PIN <c>_encode_pair</c>).</summary>
public static class RequestEncoder
{
    /// <summary>
    /// Encodes <paramref name="request"/>: no special tokens are added; trailing whitespace of the context moves to the
    /// continuation; the continuation ids are the whole string's ids after as many tokens as the context alone has
    /// (split by count, which can differ from encoding the continuation alone); an empty context becomes
    /// <c>[<paramref name="eotTokenId"/>]</c>.
    /// </summary>
    public static EncodedRequest Encode(ByteLevelBpeTokenizer tokenizer, LoglikelihoodRequest request, int eotTokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(request);
        string context = request.Context, continuation = request.Continuation;
        if (context.Length == 0)
            return new EncodedRequest([eotTokenId], tokenizer.Encode(continuation), 0);

        string trimmed = PyStr.RStrip(context);
        int moved = context.Length - trimmed.Length;
        if (moved > 0)
        {
            continuation = context[trimmed.Length..] + continuation;
            context = trimmed;
        }
        int[] whole = tokenizer.Encode(context + continuation);
        // A whitespace-only context is empty after the hand-over; the harness would then feed no context at all,
        // which cannot score the first token, so it gets the end-of-text token like an empty context.
        int[] contextIds = context.Length == 0 ? [] : tokenizer.Encode(context);
        int[] continuationIds = whole[Math.Min(contextIds.Length, whole.Length)..];
        return new EncodedRequest(contextIds.Length == 0 ? [eotTokenId] : contextIds, continuationIds, moved);
    }
}
