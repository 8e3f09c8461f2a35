namespace StarChat.Server.Scheduling;

/// <summary>The scheduler's waiting queue is full; the request was not accepted (HTTP 429).</summary>
public sealed class QueueFullException(int limit)
    : Exception($"the server is busy: {limit} requests are already waiting; retry shortly")
{
    /// <summary>The queue's capacity.</summary>
    public int Limit { get; } = limit;
}
