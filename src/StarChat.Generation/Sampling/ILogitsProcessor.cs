namespace StarChat.Generation.Sampling;

/// <summary>
/// One step of Hugging Face <c>generate()</c>'s logits processing: rescales or filters one row of next-token scores
/// in place. Filtered tokens get <see cref="float.NegativeInfinity"/> (HF's <c>filter_value</c>).
/// </summary>
public interface ILogitsProcessor
{
    /// <summary>Processes <paramref name="scores"/> (one per vocabulary id) given every id so far (prompt and generated).</summary>
    void Apply(Span<float> scores, ReadOnlySpan<int> context);
}
