using System.Buffers.Binary;
using System.Text.Json;

namespace StarChat.Engine.Tests.Quantization.Fixtures;

/// <summary>
/// TEST HELPER, not a reader: the raw bytes of each tensor in a trusted fixture safetensors file (u64 header
/// length, JSON header, data), to feed the quantizers the fixtures' F32 source weights.
/// </summary>
internal sealed class SafetensorsFile
{
    private readonly byte[] _file;
    private readonly Dictionary<string, (string Dtype, long[] Shape, int Begin, int End)> _tensors = [];

    public SafetensorsFile(string path)
    {
        _file = File.ReadAllBytes(path);
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_file));
        using var header = JsonDocument.Parse(_file.AsMemory(8, headerLength));
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
                continue;
            var offsets = entry.Value.GetProperty("data_offsets");
            _tensors[entry.Name] = (
                entry.Value.GetProperty("dtype").GetString()!,
                [.. entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())],
                8 + headerLength + offsets[0].GetInt32(),
                8 + headerLength + offsets[1].GetInt32());
        }
    }

    public IEnumerable<string> Names => _tensors.Keys;

    public string Dtype(string name) => _tensors[name].Dtype;

    public long[] Shape(string name) => _tensors[name].Shape;

    public ReadOnlySpan<byte> Bytes(string name) => _file.AsSpan(_tensors[name].Begin.._tensors[name].End);

    public float[] Floats(string name)
    {
        if (Dtype(name) != "F32")
            throw new InvalidOperationException($"{name} is {Dtype(name)}");
        var bytes = Bytes(name);
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return values;
    }
}
