namespace StarChat.Text.Templates.Values;

/// <summary>
/// A render-time error raised below the evaluator, without a position; the evaluator turns it into a
/// <see cref="TemplateException"/> (or <see cref="TemplateRaisedException"/> for <c>raise_exception</c>) carrying the
/// line and column of the expression being evaluated.
/// </summary>
internal sealed class TemplateRuntimeException : Exception
{
    public TemplateRuntimeException()
    {
    }

    public TemplateRuntimeException(string message) : base(message)
    {
    }

    public TemplateRuntimeException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>True when the template called <c>raise_exception</c>: the message is the template's own.</summary>
    public bool RaisedByTemplate { get; init; }
}
