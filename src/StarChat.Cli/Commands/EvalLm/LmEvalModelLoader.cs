using StarChat.Engine.Models.GptBigCode;
using StarChat.Evaluation.LmEval;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Generation;
using StarChat.Generation.Text;
using StarChat.Text.Tokenization;

namespace StarChat.Cli.Commands.EvalLm;

/// <summary>
/// Builds the scoring backend for <c>eval lm</c>: a local model (one replica per document scored at once, all sharing
/// the mapped weights and splitting the threads) or a completions endpoint, and the tokenizer the requests are
/// encoded with.
/// </summary>
internal sealed class LmEvalModelLoader : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public required IScoringBackend Backend { get; init; }

    public required ByteLevelBpeTokenizer Tokenizer { get; init; }

    /// <summary>Where the tokenizer was read from.</summary>
    public required string TokenizerOrigin { get; init; }

    /// <summary>End-of-text id (an empty context becomes this token).</summary>
    public int EndOfTextId { get; init; }

    public static LmEvalModelLoader Local(string modelPath, string? tokenizerPath, int batch, int threads, int? maxLength)
    {
        int cores = threads > 0 ? threads : Environment.ProcessorCount;
        int Share(int i) => Math.Max(1, cores / batch + (i < cores % batch ? 1 : 0));
        var local = LocalModel.Load(modelPath, new ModelOptions { Threads = Share(0) });
        try
        {
            // Further replicas share the mapped weights; each has its own scratch buffers and threads.
            var replicas = new List<GptBigCodeModel> { local.Model };
            for (int i = 1; i < batch; i++)
                replicas.Add(new GptBigCodeModel(local.Model.Weights, new ModelOptions { Threads = Share(i) }));
            var (tokenizer, origin) = tokenizerPath is null ? (local.Text.Tokenizer, local.Text.Origin) : LoadTokenizer(tokenizerPath);
            var backend = new LocalModelBackend(replicas, tokenizer, local.EndOfTextIds, Path.GetFullPath(modelPath), maxLength);
            var result = new LmEvalModelLoader { Backend = backend, Tokenizer = tokenizer, TokenizerOrigin = origin, EndOfTextId = EndOfText(tokenizer) };
            result._owned.AddRange(replicas.Skip(1));
            result._owned.Add(local);
            return result;
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    public static LmEvalModelLoader Endpoint(string url, string tokenizerPath, int batch, int? maxLength, string? model, string? apiKey)
    {
        var (tokenizer, origin) = LoadTokenizer(tokenizerPath);
        // The harness's default when the model's length is unknown.
        var backend = new CompletionsEndpointBackend(url, maxLength ?? 2048, batch, model, apiKey);
        return new LmEvalModelLoader { Backend = backend, Tokenizer = tokenizer, TokenizerOrigin = origin, EndOfTextId = EndOfText(tokenizer) };
    }

    private static (ByteLevelBpeTokenizer, string) LoadTokenizer(string path)
    {
        // A weights file inside a Hugging Face folder: the tokenizer files sit beside it.
        if (File.Exists(path) && Path.GetExtension(path).ToLowerInvariant() is ".safetensors" or ".bin" or ".gguf")
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!TokenizerFiles.Exists(folder))
                throw new LmEvalException($"{path}: no tokenizer.json beside the weights; pass --tokenizer FOLDER_OR_TOKENIZER_JSON");
            path = folder;
        }
        var loaded = ModelTokenizer.Load(path);
        return (loaded.Tokenizer, loaded.Origin);
    }

    private static int EndOfText(ByteLevelBpeTokenizer tokenizer) => tokenizer.TokenToId("<|endoftext|>") ?? tokenizer.EosTokenId ?? 0;

    public void Dispose()
    {
        Backend.Dispose();
        foreach (var d in _owned) d.Dispose();
    }
}
