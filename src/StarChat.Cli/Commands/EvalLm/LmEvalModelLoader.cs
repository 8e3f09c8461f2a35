using StarChat.Engine.Models.GptBigCode;
using StarChat.Evaluation.LmEval;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Formats;
using StarChat.Generation.Text;
using StarChat.Text.Tokenization;

namespace StarChat.Cli.Commands.EvalLm;

/// <summary>
/// Builds the scoring backend for <c>eval-lm</c>: a local model (one replica per document scored at once, all sharing
/// the mapped weights and splitting the threads) or a completions endpoint, and the tokenizer the requests are
/// encoded with. To be replaced by the project's one-call model loader when it exists.
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
        var loaded = ModelFile.Open(modelPath);
        try
        {
            var config = loaded.RequireConfig();
            var weights = GptBigCodeWeights.Load(loaded.Weights, config);
            int cores = threads > 0 ? threads : Environment.ProcessorCount;
            var replicas = Enumerable.Range(0, batch)
                .Select(i => new GptBigCodeModel(weights, new ModelOptions { Threads = Math.Max(1, cores / batch + (i < cores % batch ? 1 : 0)) }))
                .ToArray();
            var (tokenizer, origin) = LoadTokenizer(tokenizerPath ?? modelPath);
            var backend = new LocalModelBackend(replicas, tokenizer, config.EosTokenIds, Path.GetFullPath(modelPath), maxLength);
            var result = new LmEvalModelLoader { Backend = backend, Tokenizer = tokenizer, TokenizerOrigin = origin, EndOfTextId = EndOfText(tokenizer) };
            result._owned.AddRange(replicas);
            result._owned.Add(loaded);
            return result;
        }
        catch
        {
            loaded.Dispose();
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
