namespace StarChat.Server.Scheduling;

/// <summary>How many sequences run at once and how many may wait.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Sequences decoded together (KV-cache slots, <c>--parallel</c>).</summary>
    public int Slots { get; init; } = 4;

    /// <summary>Sequences allowed to wait for a slot (<c>--queue</c>); more are refused at once.</summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>Tokens each slot's cache holds (<c>--ctx</c>); null for the model's whole context.</summary>
    public int? SlotCapacity { get; init; }

    /// <summary>
    /// Prompt tokens evaluated per scheduler step. A long prompt is evaluated over several steps so sequences already
    /// running keep streaming in between.
    /// </summary>
    public int PrefillChunk { get; init; } = 256;

    /// <summary>Test hook: a pause after every step, so streams stay open long enough to act on them.</summary>
    internal TimeSpan StepDelay { get; init; }

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Slots, 1, nameof(Slots));
        ArgumentOutOfRangeException.ThrowIfNegative(QueueLimit, nameof(QueueLimit));
        if (SlotCapacity is { } capacity)
            ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2, nameof(SlotCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefillChunk, 1, nameof(PrefillChunk));
    }
}
