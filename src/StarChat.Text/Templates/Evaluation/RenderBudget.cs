using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// Bounds one render: a template comes from a model file, so it must not be able to loop forever or build
/// strings and lists far larger than the conversation it formats.
/// </summary>
internal sealed class RenderBudget(long maxWork, int maxChars)
{
    /// <summary>
    /// The budget of the render running on this thread. String builders deep inside formatting code (repr, JSON)
    /// check it, so printing a huge list fails cleanly instead of exhausting memory.
    /// </summary>
    [ThreadStatic]
    private static RenderBudget? t_current;

    private long _work;

    /// <summary>Makes this the thread's current budget until the returned scope is disposed.</summary>
    public CurrentScope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new CurrentScope(previous);
    }

    /// <summary>Fails when a string being built passes the current render's size limit.</summary>
    public static void CheckBuildingSize(int length)
    {
        if (t_current is { } budget && length > budget.MaxChars)
            budget.EnsureFits(length);
    }

    /// <summary>Most characters (or list items) any one value, and the whole output, may hold.</summary>
    public int MaxChars { get; } = maxChars;

    /// <summary>One unit of work: an evaluated node or a loop iteration.</summary>
    public void Step()
    {
        if (++_work > maxWork)
            throw new TemplateRuntimeException($"render exceeded its work limit ({maxWork:N0} steps); the template loops too much");
    }

    /// <summary>Charges for a value of <paramref name="size"/> characters or items, rejecting one over the limit.</summary>
    public void Charge(long size)
    {
        EnsureFits(size);
        _work += 1 + size / 64;
        if (_work > maxWork)
            throw new TemplateRuntimeException($"render exceeded its work limit ({maxWork:N0} steps); the template builds too much text");
    }

    /// <summary>Restores the previous budget.</summary>
    public readonly struct CurrentScope(RenderBudget? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }

    /// <summary>Checks a size before building something that large.</summary>
    public void EnsureFits(long size)
    {
        if (size > MaxChars)
            throw new TemplateRuntimeException($"value of {size:N0} characters or items exceeds the render limit of {MaxChars:N0}");
    }
}
