namespace StarChat.Formats.Hub;

/// <summary>
/// Where the Hugging Face Hub is and where its files are cached, read from the same environment variables the
/// Python <c>huggingface_hub</c> library reads (its <c>constants.py</c>), so both share one cache.
/// </summary>
public sealed record HubSettings
{
    /// <summary>The public Hub, used when <c>HF_ENDPOINT</c> is not set.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>Base URL without a trailing slash (<c>HF_ENDPOINT</c>).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The hub cache folder holding <c>models--org--name</c> folders (<c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Access token sent as <c>Authorization: Bearer</c> (<c>HF_TOKEN</c>, else the <c>HF_HOME/token</c> file).</summary>
    public string? Token { get; init; }

    /// <summary>Never touch the network; use cached snapshots only (<c>HF_HUB_OFFLINE</c>).</summary>
    public bool Offline { get; init; }

    /// <summary>
    /// Reads <c>HF_ENDPOINT</c>, <c>HF_HOME</c> (default <c>$XDG_CACHE_HOME/huggingface</c> or
    /// <c>~/.cache/huggingface</c>), <c>HF_HUB_CACHE</c> (or the older <c>HUGGINGFACE_HUB_CACHE</c>), <c>HF_TOKEN</c>
    /// (or <c>HUGGING_FACE_HUB_TOKEN</c>, or the file <c>HF_TOKEN_PATH</c> / <c>HF_HOME/token</c>) and
    /// <c>HF_HUB_OFFLINE</c> (or <c>TRANSFORMERS_OFFLINE</c>; 1, ON, YES or TRUE).
    /// </summary>
    /// <param name="variables">Reads one variable; the process environment when null (tests pass a dictionary).</param>
    public static HubSettings FromEnvironment(Func<string, string?>? variables = null)
    {
        variables ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => variables(name) is { Length: > 0 } value ? value : null;

        string home = Get("HF_HOME") ?? Path.Combine(
            Get("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "huggingface");
        string cache = Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(home, "hub");
        string? token = Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN");
        if (token is null)
        {
            string tokenPath = Get("HF_TOKEN_PATH") ?? Path.Combine(home, "token");
            if (File.Exists(tokenPath) && File.ReadAllText(tokenPath).Trim() is { Length: > 0 } stored)
                token = stored;
        }
        return new HubSettings
        {
            Endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/'),
            CacheDirectory = cache,
            Token = token,
            Offline = IsTrue(Get("HF_HUB_OFFLINE") ?? Get("TRANSFORMERS_OFFLINE")),
        };
    }

    // huggingface_hub's _is_true: ENV_VARS_TRUE_VALUES = {"1", "ON", "YES", "TRUE"}.
    private static bool IsTrue(string? value)
        => value is not null && value.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
}
