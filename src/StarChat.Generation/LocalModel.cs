using System.Runtime.ExceptionServices;
using System.Text.Json;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Formats;
using StarChat.Formats.Peft;
using StarChat.Generation.Text;

namespace StarChat.Generation;

/// <summary>
/// A model ready to run from one path: the files (memory-mapped), the GPTBigCode engine over them, the tokenizer
/// and chat configuration, and the end-of-sequence ids. Accepts a Hugging Face folder, a <c>.safetensors</c>,
/// <c>.bin</c> (PyTorch or legacy GGML) or <c>.gguf</c> file.
/// </summary>
public sealed class LocalModel : IDisposable
{
    private LocalModel(LoadedModel files, GptBigCodeModel model, ModelTokenizer text, IReadOnlyList<int> endOfText,
        IReadOnlyList<LoraAdapter> adapters, IReadOnlyList<SelectableAdapter> selectable)
    {
        Files = files;
        Adapters = adapters;
        SelectableAdapters = selectable;
        Model = model;
        Text = text;
        EndOfTextIds = endOfText;
    }

    /// <summary>The files and their description.</summary>
    public LoadedModel Files { get; }

    /// <summary>The LoRA adapters opened (unmerged), from <see cref="ModelOptions.Adapters"/>, named or not.</summary>
    public IReadOnlyList<LoraAdapter> Adapters { get; }

    /// <summary>The named adapters, which sequences choose by id (<see cref="StarChat.Engine.Inference.IAdapterSession"/>).</summary>
    public IReadOnlyList<SelectableAdapter> SelectableAdapters { get; }

    /// <summary>The engine.</summary>
    public GptBigCodeModel Model { get; }

    /// <summary>Tokenizer, special tokens, chat template, dialogue template.</summary>
    public ModelTokenizer Text { get; }

    /// <summary>
    /// Ids that end any generation: <c>eos_token_id</c> of <c>generation_config.json</c> (a list for StarChat:
    /// 0 and 49155) or of the tokenizer.
    /// </summary>
    public IReadOnlyList<int> EndOfTextIds { get; }

    /// <summary>
    /// Opens and checks everything; nothing is read from the weights beyond the small 1-D tensors. LoRA adapters named
    /// in <paramref name="options"/> are opened and attached to their linear layers without merging: unnamed ones for
    /// every sequence, named ones for the sequences that choose them.
    /// </summary>
    /// <exception cref="ArgumentException">Two adapters have the same name.</exception>
    /// <exception cref="ModelFormatException">A file is malformed, or an adapter uses unsupported settings or modules.</exception>
    /// <exception cref="StarChat.Engine.Tensors.MissingWeightException">A tensor is missing.</exception>
    /// <exception cref="StarChat.Engine.Tensors.WeightShapeException">A tensor has the wrong shape or type, or an adapter does not fit the model.</exception>
    /// <exception cref="FileNotFoundException">Nothing at the path, no tokenizer for the model, or no adapter_config.json in an adapter folder.</exception>
    public static LocalModel Load(string path, ModelOptions? options = null)
    {
        var files = ModelFile.Open(path);
        var adapters = new List<LoraAdapter>();
        var selectable = new List<SelectableAdapter>();
        Task<ModelTokenizer>? tokenizer = null;
        try
        {
            var config = files.RequireConfig();
            // The tokenizer (a GGUF vocabulary and merge table: a tenth of a second) is built on another core while
            // this one maps the weights and builds the engine.
            tokenizer = Task.Run(() => ModelTokenizer.Of(files, path));
            var weights = GptBigCodeWeights.Load(files.Weights, config);
            if (options?.PrefetchWeights ?? true)
                files.PrefetchWeights(weights.StreamedTensors);
            foreach (var option in options?.Adapters ?? [])
            {
                var adapter = LoraAdapter.Open(option.Path);
                adapters.Add(adapter);
                float scale = (float)(adapter.Config.Scaling * option.Scale);
                var updates = adapter.Pairs.Select(p => (p.Module, new LowRankAdapter($"{option.Path} ({p.Module})", p.A, p.B, scale)));
                if (option.Name is not { } name)
                {
                    weights = weights.WithAdapters(updates);
                    continue;
                }
                if (selectable.Any(s => s.Name == name))
                    throw new ArgumentException($"two LoRA adapters are named '{name}'", nameof(options));
                weights = weights.WithSelectableAdapter(updates);
                selectable.Add(new SelectableAdapter(name, weights.SelectableAdapterCount, option.Path, option.Scale));
            }
            var model = new GptBigCodeModel(weights, options);
            try
            {
                var text = tokenizer.GetAwaiter().GetResult();
                if (text.Tokenizer.VocabSize > model.VocabSize)
                    throw new ModelFormatException(path, "vocabulary", $"the tokenizer has {text.Tokenizer.VocabSize} tokens but the model only {model.VocabSize} embeddings");
                return new LocalModel(files, model, text, EndOfText(path, text, files.IsFolder), adapters, selectable);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        catch (Exception error)
        {
            // The tokenizer reads the files: it finishes before they are released, and its error, if it has one,
            // is the one reported (it was the first thing loaded before it moved to another core).
            var tokenizerError = tokenizer is null ? null : Completed(tokenizer);
            foreach (var adapter in adapters)
                adapter.Dispose();
            files.Dispose();
            if (tokenizerError is not null && tokenizerError != error)
                ExceptionDispatchInfo.Throw(tokenizerError);
            throw;
        }
    }

    // Waits for the task and returns its exception, if any.
    private static Exception? Completed(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static List<int> EndOfText(string path, ModelTokenizer text, bool isFolder)
    {
        var ids = new List<int>();
        string generationConfig = Path.Combine(isFolder ? path : Path.GetDirectoryName(Path.GetFullPath(path))!, "generation_config.json");
        if (isFolder && File.Exists(generationConfig))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(generationConfig));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("eos_token_id", out var eos))
            {
                if (eos.ValueKind == JsonValueKind.Number && eos.TryGetInt32(out int one))
                    ids.Add(one);
                else if (eos.ValueKind == JsonValueKind.Array)
                    ids.AddRange(eos.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()));
            }
        }
        if (text.Tokenizer.EosTokenId is { } tokenizerEos && !ids.Contains(tokenizerEos))
            ids.Add(tokenizerEos);
        return ids;
    }

    /// <summary>Releases the engine threads and the mapped files.</summary>
    public void Dispose()
    {
        Model.Dispose();
        foreach (var adapter in Adapters)
            adapter.Dispose();
        Files.Dispose();
    }
}
