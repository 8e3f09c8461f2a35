namespace StarChat.Server.Requests;

/// <summary>
/// A request the server will not run: a parameter out of range, a malformed message, a prompt that does not fit.
/// OpenAI routes answer 400 with <see cref="Param"/>; TGI routes answer 422 (<c>error_type: validation</c>).
/// </summary>
public sealed class InvalidRequestException(string message, string? param = null, string? code = null) : Exception(message)
{
    /// <summary>The offending request field (OpenAI's <c>param</c>), when one is to blame.</summary>
    public string? Param { get; } = param;

    /// <summary>A machine-readable reason (OpenAI's <c>code</c>), e.g. <c>context_length_exceeded</c>.</summary>
    public string? Code { get; } = code;
}
