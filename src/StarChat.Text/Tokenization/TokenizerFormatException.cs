namespace StarChat.Text.Tokenization;

/// <summary>A tokenizer file is missing, malformed or describes a tokenizer this project does not implement.</summary>
public sealed class TokenizerFormatException : FormatException
{
    /// <summary>Creates the exception; the message reads <c>origin: field: problem</c>.</summary>
    public TokenizerFormatException(string origin, string field, string problem, Exception? inner = null)
        : base($"{origin}: {field}: {problem}", inner)
    {
        Origin = origin;
        Field = field;
    }

    /// <summary>The file (or other source) at fault.</summary>
    public string Origin { get; }

    /// <summary>The field or entry at fault, e.g. <c>model.merges[12]</c>.</summary>
    public string Field { get; }
}
