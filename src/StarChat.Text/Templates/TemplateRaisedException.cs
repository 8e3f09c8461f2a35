namespace StarChat.Text.Templates;

/// <summary>
/// The template itself rejected the conversation by calling <c>raise_exception(message)</c>, e.g. because roles do
/// not alternate. <see cref="TemplateException.Reason"/> is the template's message, unchanged, so a server can show
/// it to the client as a bad request.
/// </summary>
public sealed class TemplateRaisedException : TemplateException
{
    /// <summary>Creates the exception for a <c>raise_exception</c> call at a position in the template.</summary>
    public TemplateRaisedException(string message, int line, int column) : base(message, line, column)
    {
    }

    /// <summary>Creates the exception with no position.</summary>
    public TemplateRaisedException() : base("raise_exception called", 0, 0)
    {
    }

    /// <summary>Creates the exception with no position.</summary>
    public TemplateRaisedException(string message) : base(message, 0, 0)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public TemplateRaisedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
