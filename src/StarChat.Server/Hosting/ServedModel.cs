using StarChat.Generation;
using StarChat.Generation.Text;
using StarChat.Server.Metrics;
using StarChat.Server.Prompts;
using StarChat.Server.Scheduling;

namespace StarChat.Server.Hosting;

/// <summary>The loaded model with what serving needs around it: prompt building and the batching scheduler.</summary>
public sealed class ServedModel : IDisposable
{
    private readonly bool _ownsModel;

    /// <summary>Wraps a loaded model; the scheduler thread starts here.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Limits and defaults.</param>
    /// <param name="metrics">Where counts and timings go.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this object (false when the caller shares it).</param>
    /// <exception cref="ArgumentException">The chat format is unknown or unusable with this model.</exception>
    public ServedModel(LocalModel model, ServerOptions options, ServerMetrics? metrics = null, bool ownsModel = true)
    {
        _ownsModel = ownsModel;
        Model = model;
        Options = options;
        Name = options.ModelName ?? DefaultName(model.Files.Path);
        Adapters = new AdapterCatalog(Name, model.SelectableAdapters);
        Prompts = new PromptBuilder(model.Text.Tokenizer, ChatFormats.Create(options.ChatFormat, model.Text, options.TechnicalAssistantPrompt), model.EndOfTextIds);
        Scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions
        {
            Slots = options.Parallel,
            QueueLimit = options.QueueLimit,
            SlotCapacity = options.ContextLength is { } ctx ? Math.Min(ctx, model.Model.ContextLength) : null,
            StepDelay = options.StepDelay,
        }, metrics);
    }

    /// <summary>The model.</summary>
    public LocalModel Model { get; }

    /// <summary>The server's options (limits and defaults).</summary>
    public ServerOptions Options { get; }

    /// <summary>The id clients see.</summary>
    public string Name { get; }

    /// <summary>The LoRA adapters requests may choose by name.</summary>
    public AdapterCatalog Adapters { get; }

    /// <summary>Prompt building for this model.</summary>
    public PromptBuilder Prompts { get; }

    /// <summary>The continuous-batching scheduler.</summary>
    public BatchScheduler Scheduler { get; }

    /// <summary>Tokens per sequence (prompt plus reply).</summary>
    public int Capacity => Scheduler.SlotCapacity;

    private static string DefaultName(string path)
    {
        string trimmed = path.TrimEnd('/', '\\');
        return Path.GetFileName(trimmed) is { Length: > 0 } name ? name : trimmed;
    }

    /// <summary>Stops the scheduler and releases the model.</summary>
    public void Dispose()
    {
        Scheduler.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
