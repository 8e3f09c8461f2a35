using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// Bounds one render: a template comes from a model file, so it must not be able to loop forever or build
/// strings and lists far larger than the conversation it formats.
/// </summary>
internal sealed class RenderBudget(long maxWork, int maxChars)
{
    private long _work;

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

    /// <summary>Checks a size before building something that large.</summary>
    public void EnsureFits(long size)
    {
        if (size > MaxChars)
            throw new TemplateRuntimeException($"value of {size:N0} characters or items exceeds the render limit of {MaxChars:N0}");
    }
}
