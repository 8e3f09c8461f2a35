using System.Net;

namespace StarChat.Evaluation.Backends;

/// <summary>A remote endpoint failed: an HTTP error (with its body's message), or a reply in an unexpected shape.</summary>
public sealed class EndpointException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status, when the server answered.</summary>
    public HttpStatusCode? Status { get; } = status;

    /// <summary>True for statuses worth retrying (429, 503 and other 5xx) and for transport failures.</summary>
    public bool Transient => Status is null or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
