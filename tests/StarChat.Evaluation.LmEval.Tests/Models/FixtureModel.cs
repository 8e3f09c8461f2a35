using System.Buffers.Binary;
using System.Text.Json;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.LmEval.Tests.Models;

/// <summary>
/// TEST HELPER: the tiny-starchat fixture (F32 safetensors, trusted) as a model and tokenizer, until the project's
/// one-call loader is on main. Reads only what this fixture uses: the JSON header and F32 tensors.
/// </summary>
internal static class FixtureModel
{
    private static readonly Lazy<(GptBigCodeWeights Weights, ByteLevelBpeTokenizer Tokenizer)> s_tiny = new(LoadTiny);

    public static string Folder => SharedPaths.Fixtures("tiny-starchat");

    public static ByteLevelBpeTokenizer Tokenizer => s_tiny.Value.Tokenizer;

    public static GptBigCodeWeights Weights => s_tiny.Value.Weights;

    /// <summary>A fresh model over the shared weights (each has its own scratch and thread pool).</summary>
    public static GptBigCodeModel CreateModel(int threads = 0) => new(Weights, new ModelOptions { Threads = threads });

    private static (GptBigCodeWeights, ByteLevelBpeTokenizer) LoadTiny()
    {
        string folder = Folder;
        var tokenizer = ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(folder).Definition);
        using var configJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "config.json")));
        var c = configJson.RootElement;
        var config = new GptBigCodeConfig
        {
            VocabSize = c.GetProperty("vocab_size").GetInt32(),
            ContextLength = c.GetProperty("n_positions").GetInt32(),
            EmbeddingSize = c.GetProperty("n_embd").GetInt32(),
            LayerCount = c.GetProperty("n_layer").GetInt32(),
            HeadCount = c.GetProperty("n_head").GetInt32(),
            FeedForwardSize = c.GetProperty("n_inner").GetInt32(),
            EosTokenIds = [0, 49155],
        };
        // Kept alive for the test run: the weights point into it.
        var source = new NativeWeightSource(Path.Combine(folder, "model.safetensors"));
        byte[] file = File.ReadAllBytes(source.Origin);
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        using var header = JsonDocument.Parse(file.AsMemory(8, headerLength));
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
                continue;
            if (entry.Value.GetProperty("dtype").GetString() != "F32")
                throw new InvalidOperationException($"{entry.Name}: the test helper reads F32 tensors only");
            long[] shape = [.. entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
            var offsets = entry.Value.GetProperty("data_offsets");
            int begin = 8 + headerLength + offsets[0].GetInt32(), end = 8 + headerLength + offsets[1].GetInt32();
            file.AsSpan(begin, end - begin).CopyTo(source.Add(entry.Name, TensorType.F32, shape));
        }
        return (GptBigCodeWeights.Load(source, config), tokenizer);
    }
}
