using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Testing;

namespace StarChat.Training.Tests.Fixtures;

/// <summary>
/// TEST HELPER, not a reader: the trusted fixture <c>tiny-starchat/model.safetensors</c> (F32) pinned in memory as an
/// <see cref="IWeightSource"/>, and its <c>config.json</c>. The product loads models through StarChat.Formats.
/// </summary>
internal sealed class FixtureWeights : IWeightSource
{
    private readonly byte[] _file;
    private readonly GCHandle _pin;
    private readonly Dictionary<string, TensorView> _views = [];

    private FixtureWeights(string path)
    {
        Origin = path;
        _file = File.ReadAllBytes(path);
        _pin = GCHandle.Alloc(_file, GCHandleType.Pinned);
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_file));
        using var header = JsonDocument.Parse(_file.AsMemory(8, headerLength));
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
                continue;
            if (entry.Value.GetProperty("dtype").GetString() != "F32")
                throw new InvalidOperationException($"{entry.Name}: the fixture helper reads F32 only");
            var offsets = entry.Value.GetProperty("data_offsets");
            long begin = 8 + headerLength + offsets[0].GetInt64(), end = 8 + headerLength + offsets[1].GetInt64();
            long[] shape = [.. entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
            _views[entry.Name] = new TensorView(entry.Name, TensorType.F32, new TensorShape(shape), _pin.AddrOfPinnedObject() + (nint)begin, end - begin);
        }
    }

    public static FixtureWeights TinyStarChat() => new(SharedPaths.Fixtures("tiny-starchat", "model.safetensors"));

    public static GptBigCodeConfig TinyStarChatConfig()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("tiny-starchat", "config.json")));
        var c = doc.RootElement;
        return new GptBigCodeConfig
        {
            VocabSize = c.GetProperty("vocab_size").GetInt32(),
            ContextLength = c.GetProperty("n_positions").GetInt32(),
            EmbeddingSize = c.GetProperty("n_embd").GetInt32(),
            LayerCount = c.GetProperty("n_layer").GetInt32(),
            HeadCount = c.GetProperty("n_head").GetInt32(),
            FeedForwardSize = c.GetProperty("n_inner").GetInt32(),
            LayerNormEpsilon = c.GetProperty("layer_norm_epsilon").GetSingle(),
            Activation = c.GetProperty("activation_function").GetString()!,
        };
    }

    public string Origin { get; }

    public IReadOnlyCollection<string> Names => _views.Keys;

    public bool Contains(string name) => _views.ContainsKey(name);

    public TensorView Get(string name) => _views.TryGetValue(name, out var v) ? v : throw new MissingWeightException(Origin, name);

    public void Dispose()
    {
        if (_pin.IsAllocated)
            _pin.Free();
    }
}
