using StarChat.Engine.Models.GptBigCode;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Engine;

/// <summary>
/// <see cref="LocalModel.Load"/> builds the tokenizer on another thread while it maps the weights and builds the
/// engine: its result and its errors must be the same as when it was built first.
/// </summary>
public sealed class LocalModelLoadTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("starchat-load-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_WithAndWithoutPrefetch_SameTokenizerAndLogits(bool prefetch)
    {
        string path = SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf");
        using var reference = LocalModel.Load(path, new ModelOptions { Threads = 1, PrefetchWeights = false });
        using var model = LocalModel.Load(path, new ModelOptions { Threads = 1, PrefetchWeights = prefetch });

        int[] ids = model.Text.Tokenizer.Encode("def fibonacci(n):");
        Assert.Equal(reference.Text.Tokenizer.Encode("def fibonacci(n):"), ids);
        Assert.Equal(reference.EndOfTextIds, model.EndOfTextIds);
        var expected = new float[reference.Model.VocabSize];
        var actual = new float[model.Model.VocabSize];
        using (var session = reference.Model.CreateSession())
            session.Append(ids, expected);
        using (var session = model.Model.CreateSession())
            session.Append(ids, actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_MalformedTokenizer_ReportsTheTokenizerFile(bool engineFailsToo)
    {
        string folder = Path.Combine(_temp, "model");
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(SharedPaths.Fixtures("tiny-starchat")))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
        // With engineFailsToo the engine rejects its options while the tokenizer is still being read on another
        // thread; the tokenizer's error is still the one reported, as when it was loaded first.
        var options = new ModelOptions { Threads = 1, MaxBatch = engineFailsToo ? 0 : 512 };
        var e = Assert.ThrowsAny<Exception>(() => LocalModel.Load(folder, options));

        Assert.IsNotType<AggregateException>(e);
        Assert.Contains("tokenizer.json", e.Message, StringComparison.Ordinal);
    }
}
