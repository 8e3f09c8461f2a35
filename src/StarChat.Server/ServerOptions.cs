using StarChat.Engine.Models.GptBigCode;
using StarChat.Generation;
using StarChat.Generation.Sampling;

namespace StarChat.Server;

/// <summary>Everything <c>starchat serve</c> can be told: the model, where to listen, limits and defaults.</summary>
public sealed record ServerOptions
{
    /// <summary>Model folder or file (as <see cref="LocalModel.Load"/> takes).</summary>
    public string ModelPath { get; init; } = "";

    /// <summary>Address to bind (<c>--host</c>); loopback unless told otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port (<c>--port</c>); 0 picks a free one (see <see cref="StarChatServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every API request needs <c>Authorization: Bearer KEY</c> (<c>--api-key</c>).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Origins allowed to call the API from a browser (<c>--cors</c>; <c>*</c> for any). Empty: CORS off.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>Sequences generated at once (<c>--parallel</c>).</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Sequences allowed to wait for a slot (<c>--queue</c>); beyond that requests get 429.</summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>Tokens per sequence, prompt included (<c>--ctx</c>); null for the model's context length.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Chat format name (<c>--format</c>): auto, starchat, alpaca, ta, chat_template.</summary>
    public string ChatFormat { get; init; } = "auto";

    /// <summary>Technical-assistant prompt text, for <c>--format ta</c>.</summary>
    public string? TechnicalAssistantPrompt { get; init; }

    /// <summary>Model id reported by <c>/v1/models</c> and <c>/info</c>; null uses the model's file or folder name.</summary>
    public string? ModelName { get; init; }

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Tokens generated when a chat or TGI request gives no limit (then clamped to the context).</summary>
    public int DefaultMaxTokens { get; init; } = 512;

    /// <summary>Sampling settings for parameters a request leaves out.</summary>
    public SamplingOptions DefaultSampling { get; init; } = SamplingOptions.StarChatDefaults;

    /// <summary>Engine settings (threads, KV-cache type).</summary>
    public ModelOptions? Engine { get; init; }

    /// <summary>Most stop sequences per request (OpenAI allows 4; TGI's <c>max_stop_sequences</c>).</summary>
    public int MaxStopSequences { get; init; } = 4;

    /// <summary>Most choices per request (<c>n</c>).</summary>
    public int MaxChoices { get; init; } = 8;

    /// <summary>
    /// Loads the model instead of <see cref="ModelPath"/> (tests, or a host that already has one). A model from here
    /// stays the caller's: the server does not dispose it.
    /// </summary>
    public Func<CancellationToken, LocalModel>? ModelLoader { get; init; }

    /// <summary>Test hook: a pause after every scheduler step.</summary>
    internal TimeSpan StepDelay { get; init; }

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">A value is out of range or the model is missing.</exception>
    public void Validate()
    {
        if (ModelLoader is null && string.IsNullOrWhiteSpace(ModelPath))
            throw new ArgumentException("no model: set ModelPath (--model PATH)");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be 0..65535 (got {Port})");
        if (Parallel < 1) throw new ArgumentException($"--parallel must be at least 1 (got {Parallel})");
        if (QueueLimit < 0) throw new ArgumentException($"--queue must be 0 or more (got {QueueLimit})");
        if (ContextLength is < 2) throw new ArgumentException($"--ctx must be at least 2 (got {ContextLength})");
        if (MaxRequestBodyBytes < 1024) throw new ArgumentException($"the request body limit must be at least 1 KiB (got {MaxRequestBodyBytes})");
        if (DefaultMaxTokens < 1) throw new ArgumentException($"the default max tokens must be at least 1 (got {DefaultMaxTokens})");
        if (ApiKey is { Length: 0 }) throw new ArgumentException("--api-key is empty");
        DefaultSampling.Validate();
    }
}
