namespace StarChat.Server.Hosting;

/// <summary>Why a request failed, before it is written in the shape of the API that was called.</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Message">What went wrong, for a person.</param>
/// <param name="Param">The request field to blame (OpenAI <c>param</c>).</param>
/// <param name="Code">A machine-readable reason (OpenAI <c>code</c>).</param>
/// <param name="Validation">The request was understood but breaks a rule (TGI answers these with 422).</param>
internal sealed record RequestError(int Status, string Message, string? Param = null, string? Code = null, bool Validation = false);
