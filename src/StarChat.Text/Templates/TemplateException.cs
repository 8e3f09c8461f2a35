namespace StarChat.Text.Templates;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a construct outside the supported Jinja subset,
/// a type error at render time, or a render limit hit. The message names the construct and its position.
/// </summary>
public class TemplateException : Exception
{
    /// <summary>Creates an exception for a position in the template source.</summary>
    /// <param name="reason">What went wrong, without the position.</param>
    /// <param name="line">1-based line in the template source, or 0 when not tied to a position.</param>
    /// <param name="column">1-based column in the template source, or 0 when not tied to a position.</param>
    public TemplateException(string reason, int line, int column)
        : base(line > 0 ? $"chat template line {line}, column {column}: {reason}" : $"chat template: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>Creates an exception with a message only (no position).</summary>
    public TemplateException() : this("error", 0, 0)
    {
    }

    /// <summary>Creates an exception with a message only (no position).</summary>
    public TemplateException(string message) : this(message, 0, 0)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception (no position).</summary>
    public TemplateException(string message, Exception innerException) : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>What went wrong, without the position prefix.</summary>
    public string Reason { get; } = "";

    /// <summary>1-based line in the template source; 0 when the error has no position.</summary>
    public int Line { get; }

    /// <summary>1-based column in the template source; 0 when the error has no position.</summary>
    public int Column { get; }
}
