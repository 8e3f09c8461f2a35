using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Evaluation.LmEval.Tests.Models;

/// <summary>
/// TEST/BENCH HELPER: tensors held in native memory under their Hugging Face names, filled by the caller (random values
/// for a StarCoderBase-1B-shaped model, see RandomModel).
/// </summary>
internal sealed unsafe class NativeWeightSource(string origin) : IWeightSource
{
    private readonly Dictionary<string, TensorView> _tensors = new(StringComparer.Ordinal);
    private readonly List<nint> _blocks = [];

    public string Origin { get; } = origin;

    public IReadOnlyCollection<string> Names => _tensors.Keys;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorView Get(string name) => _tensors.TryGetValue(name, out var t) ? t : throw new MissingWeightException(Origin, name);

    /// <summary>Allocates a tensor and returns its bytes for the caller to fill.</summary>
    public Span<byte> Add(string name, TensorType type, params long[] shape)
    {
        var tensorShape = new TensorShape(shape);
        long bytes = TensorTypeInfo.ByteCount(type, tensorShape.ElementCount);
        nint address = (nint)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        _blocks.Add(address);
        _tensors[name] = new TensorView(name, type, tensorShape, address, bytes);
        return bytes <= int.MaxValue ? new Span<byte>((void*)address, (int)bytes) : throw new InvalidOperationException("tensor too large for one span");
    }

    public void Dispose()
    {
        foreach (var block in _blocks)
            NativeMemory.AlignedFree((void*)block);
        _blocks.Clear();
        _tensors.Clear();
    }
}
