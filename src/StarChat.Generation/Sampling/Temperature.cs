namespace StarChat.Generation.Sampling;

/// <summary>HF <c>TemperatureLogitsWarper</c>: scores divided by T (applied first among the warpers, so top-k/top-p see the sharpened distribution).</summary>
public sealed class Temperature : ILogitsProcessor
{
    private readonly float _temperature;

    /// <summary>Creates the warper.</summary>
    /// <exception cref="ArgumentOutOfRangeException">T is not a positive number (use greedy decoding for T = 0).</exception>
    public Temperature(float temperature)
    {
        if (!(temperature > 0) || !float.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive (use greedy decoding for 0)");
        _temperature = temperature;
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        for (int i = 0; i < scores.Length; i++)
            scores[i] /= _temperature;
    }
}
