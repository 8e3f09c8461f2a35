using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StarChat.Engine.Inference;
using StarChat.Generation.Sampling;
using StarChat.Text.Chat;

namespace StarChat.Generation.Chat;

/// <summary>
/// A multi-turn conversation with a local model: history in the model's chat format, replies streamed, the cached
/// prefix of earlier turns reused, and the oldest turns dropped when the context fills. Not thread-safe.
/// </summary>
public sealed class ChatSession : IDisposable
{
    private readonly LocalModel _model;
    private readonly TextGenerator _generator;
    private readonly PromptCache _cache;
    private readonly List<ChatMessage> _history = [];

    /// <summary>Starts an empty conversation.</summary>
    public ChatSession(LocalModel model, IChatFormat format, SamplingOptions sampling, string? system = null)
    {
        _model = model;
        Format = format;
        Sampling = sampling;
        System = system;
        _generator = new TextGenerator(model.Model, model.Text.Tokenizer);
        _cache = new PromptCache(model.Model.CreateSession());
    }

    /// <summary>The chat format.</summary>
    public IChatFormat Format { get; }

    /// <summary>Sampling settings for the next reply.</summary>
    public SamplingOptions Sampling { get; set; }

    /// <summary>System prompt (null: the format's default).</summary>
    public string? System { get; set; }

    /// <summary>User and assistant turns so far.</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>Turns dropped from the start of the history because the context was full.</summary>
    public int DroppedTurns { get; private set; }

    /// <summary>Forgets the conversation (the system prompt stays).</summary>
    public void Reset()
    {
        _history.Clear();
        DroppedTurns = 0;
    }

    /// <summary>
    /// Sends a user message and streams the reply as text chunks. The reply (as far as it got, if cancelled) joins
    /// the history. Leading whitespace of the reply is dropped (StarChat answers start with a newline).
    /// </summary>
    /// <exception cref="ContextOverflowException">The message alone does not fit in the context.</exception>
    public IEnumerable<string> Send(string user, GenerationStats? stats = null, CancellationToken cancellationToken = default)
    {
        var prompt = BuildPrompt(user);
        var request = new GenerationRequest
        {
            PromptIds = prompt,
            Sampling = Sampling,
            StopTokenIds = StopIds(),
            StopStrings = Format.StopStrings,
        };
        return Stream(user, request, stats, cancellationToken);
    }

    private IEnumerable<string> Stream(string user, GenerationRequest request, GenerationStats? stats, CancellationToken cancellationToken)
    {
        var reply = new StringBuilder();
        bool started = false;
        try
        {
            foreach (var step in _generator.Stream(_cache, request, stats, cancellationToken))
            {
                string text = step.Text;
                if (!started)
                {
                    text = text.TrimStart();
                    started = text.Length > 0;
                }
                if (text.Length == 0) continue;
                reply.Append(text);
                yield return text;
            }
        }
        finally
        {
            _history.Add(ChatMessage.User(user));
            _history.Add(ChatMessage.Assistant(reply.ToString().TrimEnd()));
        }
    }

    /// <summary>Writes the conversation as JSON (<c>{"system", "messages": [{role, content}]}</c>).</summary>
    public void Save(string path)
    {
        var doc = new Transcript(System, [.. _history.Select(m => new TranscriptMessage(m.Role, m.Content))]);
        File.WriteAllText(path, JsonSerializer.Serialize(doc, TranscriptJson.Context.Transcript));
    }

    /// <summary>Replaces the conversation with one saved by <see cref="Save"/>.</summary>
    /// <exception cref="FormatException">The file is not a transcript.</exception>
    public void Load(string path)
    {
        Transcript? doc;
        try
        {
            doc = JsonSerializer.Deserialize(File.ReadAllBytes(path), TranscriptJson.Context.Transcript);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not a chat transcript ({e.Message})", e);
        }
        if (doc?.Messages is null || doc.Messages.Any(m => m.Role is not ("user" or "assistant") || m.Content is null))
            throw new FormatException($"{path}: a transcript needs \"messages\" with user/assistant roles and content");
        System = doc.System;
        _history.Clear();
        _history.AddRange(doc.Messages.Select(m => new ChatMessage(m.Role, m.Content)));
        DroppedTurns = 0;
    }

    /// <summary>Releases the cache.</summary>
    public void Dispose() => _cache.Dispose();

    private int[] BuildPrompt(string user)
    {
        int context = _model.Model.ContextLength;
        // Room for the reply: what max_new_tokens asks for, but never more than half the context.
        int reserve = Math.Max(1, Math.Min(Sampling.MaxNewTokens, context / 2));
        while (true)
        {
            var messages = new List<ChatMessage>();
            if (System is not null)
                messages.Add(ChatMessage.System(System));
            messages.AddRange(_history);
            messages.Add(ChatMessage.User(user));
            int[] ids = _model.Text.Tokenizer.Encode(Format.Render(messages, addGenerationPrompt: true));
            if (ids.Length + reserve <= context)
                return ids;
            if (_history.Count == 0)
            {
                if (ids.Length < context)
                    return ids;
                throw new ContextOverflowException(ids.Length + 1, context);
            }
            // Drop the oldest exchange (user + assistant).
            _history.RemoveRange(0, Math.Min(2, _history.Count));
            DroppedTurns++;
        }
    }

    private List<int> StopIds()
    {
        var ids = new List<int>(_model.EndOfTextIds);
        foreach (var stop in Format.StopStrings)
        {
            if (_model.Text.Tokenizer.TokenToId(stop) is { } id && _model.Text.Tokenizer.IsSpecial(id) && !ids.Contains(id))
                ids.Add(id);
        }
        return ids;
    }

    internal sealed record Transcript(string? System, List<TranscriptMessage> Messages);

    internal sealed record TranscriptMessage(string Role, string Content);

    private static class TranscriptJson
    {
        public static readonly TranscriptJsonContext Context = new(new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = true,
            Encoder = global::System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }
}

/// <summary>Compile-time JSON metadata for saved chat transcripts (no reflection, so it also works in a native AOT build).</summary>
[JsonSerializable(typeof(ChatSession.Transcript))]
internal sealed partial class TranscriptJsonContext : JsonSerializerContext;
