using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using StarChat.Generation;
using StarChat.Generation.Text;
using StarChat.Server.Prompts;
using StarChat.Server.Scheduling;

namespace StarChat.Server.Client;

/// <summary>
/// An <see cref="IChatClient"/> that runs the model in this process: messages go through the model's chat format
/// (user text stays plain text), generation goes through the continuous-batching scheduler, so concurrent calls on
/// one client are decoded together. Cancelling a call frees its slot within one step.
/// </summary>
public sealed class StarChatClient : IChatClient
{
    private readonly LocalModel _model;
    private readonly bool _ownsModel;
    private readonly PromptBuilder _prompts;
    private readonly BatchScheduler _scheduler;
    private readonly StarChatClientOptions _options;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Serves <paramref name="model"/>; the caller keeps ownership of it unless <paramref name="ownsModel"/>.</summary>
    /// <param name="model">A loaded model (<see cref="LocalModel.Load"/>).</param>
    /// <param name="options">Chat format, parallelism and defaults; null for the defaults.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this client.</param>
    /// <exception cref="ArgumentException">The chat format is unknown or unusable with this model.</exception>
    public StarChatClient(LocalModel model, StarChatClientOptions? options = null, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new StarChatClientOptions();
        _model = model;
        _ownsModel = ownsModel;
        _prompts = new PromptBuilder(model.Text.Tokenizer, ChatFormats.Create(_options.ChatFormat, model.Text, _options.TechnicalAssistantPrompt), model.EndOfTextIds);
        _scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = _options.Parallel, QueueLimit = _options.QueueLimit });
        _metadata = new ChatClientMetadata("starchat", null, _options.ModelId ?? Path.GetFileName(model.Files.Path.TrimEnd('/', '\\')));
    }

    /// <summary>Loads the model at <paramref name="path"/> and serves it; the client disposes it.</summary>
    /// <param name="path">Model folder or file.</param>
    /// <param name="options">Chat format, parallelism and defaults.</param>
    /// <param name="engine">Engine settings (threads, KV-cache type).</param>
    public static StarChatClient Load(string path, StarChatClientOptions? options = null, Engine.Models.GptBigCode.ModelOptions? engine = null)
    {
        var model = LocalModel.Load(path, engine);
        try
        {
            return new StarChatClient(model, options, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">A message holds something other than text.</exception>
    /// <exception cref="Requests.InvalidRequestException">A role is unknown, or the prompt alone fills the context.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (handle, prompt) = Submit(messages, options, cancellationToken);
        var reply = new ReplyText(prompt.IsChat);
        Generation.FinishReason? finish = null;
        await foreach (var e in handle.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            reply.Push(e.Text);
            finish = e.Finish ?? finish;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, reply.Text))
        {
            ResponseId = Guid.NewGuid().ToString("N"),
            ModelId = _metadata.DefaultModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = finish is { } f ? ChatOptionsMapping.FinishReason(f) : null,
            Usage = Usage(handle),
        };
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">A message holds something other than text.</exception>
    /// <exception cref="Requests.InvalidRequestException">A role is unknown, or the prompt alone fills the context.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (handle, prompt) = Submit(messages, options, cancellationToken);
        var reply = new ReplyText(prompt.IsChat);
        string id = Guid.NewGuid().ToString("N");
        await foreach (var e in handle.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            string text = reply.Push(e.Text);
            if (text.Length == 0 && e.Finish is null) continue;
            var update = new ChatResponseUpdate(ChatRole.Assistant, text)
            {
                ResponseId = id,
                MessageId = id,
                ModelId = _metadata.DefaultModelId,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = e.Finish is { } f ? ChatOptionsMapping.FinishReason(f) : null,
            };
            if (e.Finish is not null) update.Contents.Add(new UsageContent(Usage(handle)));
            yield return update;
        }
    }

    private (SequenceHandle Handle, BuiltPrompt Prompt) Submit(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = _prompts.Chat(ChatOptionsMapping.Messages(messages));
        var request = ChatOptionsMapping.Sequence(prompt, options, _options.DefaultSampling, _options.DefaultMaxTokens, _scheduler.SlotCapacity);
        return (_scheduler.Submit(request, cancellationToken), prompt);
    }

    private static UsageDetails Usage(SequenceHandle handle) => new()
    {
        InputTokenCount = handle.PromptTokens,
        OutputTokenCount = handle.GeneratedTokens,
        TotalTokenCount = handle.PromptTokens + handle.GeneratedTokens,
    };

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(_model)) return _model;
        return null;
    }

    /// <summary>Stops the scheduler (calls in progress end with <see cref="ObjectDisposedException"/>) and releases an owned model.</summary>
    public void Dispose()
    {
        _scheduler.Dispose();
        if (_ownsModel) _model.Dispose();
    }
}
