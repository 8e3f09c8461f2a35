using Microsoft.AspNetCore.Http;
using StarChat.Engine.Inference;
using StarChat.Server.Requests;
using StarChat.Server.Scheduling;

namespace StarChat.Server.Hosting;

/// <summary>Maps what can go wrong while serving a request to a status code and message, for either API's shape.</summary>
internal static class ServerErrors
{
    /// <summary>Seconds a client told "busy" should wait before retrying.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>503 while the model loads or after it failed to load; null when serving.</summary>
    public static RequestError? Unavailable(ModelHost host) => host.State switch
    {
        ModelState.Ready => null,
        ModelState.Loading => new RequestError(503, "the model is still loading; retry shortly"),
        _ => new RequestError(503, $"the model failed to load: {host.Error}"),
    };

    /// <summary>A status and message for <paramref name="e"/>, or null to let it propagate (a client that went away).</summary>
    public static RequestError? Classify(Exception e, HttpContext http)
    {
        switch (e)
        {
            case UnknownAdapterException unknown:
                return new RequestError(404, unknown.Message, unknown.Param, "model_not_found", Validation: true);
            case InvalidRequestException invalid:
                return new RequestError(400, invalid.Message, invalid.Param, invalid.Code, Validation: true);
            case ContextOverflowException overflow:
                return new RequestError(400, $"the prompt has {overflow.Needed - 1} tokens but the context holds {overflow.Capacity}, leaving no room for a reply", "messages", "context_length_exceeded", Validation: true);
            case ArgumentException argument:
                return new RequestError(400, argument.Message, Validation: true);
            case QueueFullException full:
                http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new RequestError(429, full.Message);
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                return null;
            case ObjectDisposedException:
                return new RequestError(503, "the server is shutting down");
            default:
                return new RequestError(500, $"generation failed: {e.Message}");
        }
    }
}
