namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>
/// One harness <c>loglikelihood</c> request: how likely the model finds <paramref name="Continuation"/> after
/// <paramref name="Context"/> (both exactly as the task built them, before the whitespace hand-over).
/// </summary>
/// <param name="Context">The prompt string.</param>
/// <param name="Continuation">The scored string (usually <c>" " + choice</c>).</param>
public sealed record LoglikelihoodRequest(string Context, string Continuation);

/// <summary>
/// A request after the harness's tokenization rule (<c>_encode_pair</c>): trailing whitespace of the context moved to the
/// continuation, continuation ids = the tail of <c>encode(context + continuation)</c> after <c>len(encode(context))</c>.
/// </summary>
/// <param name="ContextIds">Context tokens (<c>[eot]</c> for an empty context).</param>
/// <param name="ContinuationIds">Continuation tokens.</param>
/// <param name="WhitespaceMoved">Characters of trailing context whitespace moved to the continuation.</param>
public sealed record EncodedRequest(int[] ContextIds, int[] ContinuationIds, int WhitespaceMoved)
{
    /// <summary>Context then continuation: the sequence whose tail is scored.</summary>
    public int[] FullIds => [.. ContextIds, .. ContinuationIds];
}

/// <summary>What the model said about one request.</summary>
/// <param name="LogLikelihood">Sum of the continuation tokens' log-probabilities.</param>
/// <param name="IsGreedy">True when every continuation token is the model's first arg-max at its position.</param>
/// <param name="TokenLogProbs">Log-probability of each continuation token.</param>
/// <param name="InputLength">Tokens fed to the model (after left truncation).</param>
/// <param name="TruncatedTokens">Tokens dropped on the left because the request did not fit <c>max_length</c>.</param>
public sealed record LoglikelihoodResult(double LogLikelihood, bool IsGreedy, double[] TokenLogProbs, int InputLength, int TruncatedTokens);
