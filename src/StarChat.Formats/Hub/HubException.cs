namespace StarChat.Formats.Hub;

/// <summary>What went wrong talking to the Hub or its cache.</summary>
public enum HubErrorKind
{
    /// <summary>401/403: a gated or private repository, or a bad token.</summary>
    AccessDenied,

    /// <summary>404: no such repository, revision or file.</summary>
    NotFound,

    /// <summary>The Hub could not be reached (and nothing usable was cached).</summary>
    Network,

    /// <summary>Offline mode, and the cache lacks what was asked for.</summary>
    NotCached,

    /// <summary>A downloaded file does not match its checksum or size.</summary>
    Checksum,

    /// <summary>Any other unexpected answer from the server.</summary>
    Protocol,
}

/// <summary>
/// A Hub download failed. The message says what to do where there is something to do (set <c>HF_TOKEN</c>, check the
/// revision). Derives from <see cref="IOException"/> so callers that handle I/O failures handle this too.
/// </summary>
public sealed class HubException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HubException(HubErrorKind kind, string message, int? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    /// <summary>The kind of failure.</summary>
    public HubErrorKind Kind { get; }

    /// <summary>The HTTP status, when the server answered.</summary>
    public int? StatusCode { get; }
}
