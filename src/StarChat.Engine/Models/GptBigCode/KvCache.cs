using StarChat.Engine.Tensors;

namespace StarChat.Engine.Models.GptBigCode;

/// <summary>Element type of the key/value cache.</summary>
public enum KvCacheType
{
    /// <summary>f32: exact, 8·head_dim bytes per token per layer.</summary>
    F32,

    /// <summary>f16: half the memory and bandwidth (llama.cpp's default); keys and values rounded to f16.</summary>
    F16,
}

/// <summary>
/// Keys and values of one sequence. Multi-query attention has a single K/V head, so a cache row is head_dim wide
/// (not n_embd): 15B StarCoder needs 512 bytes per token per layer in f16 instead of 24 KiB.
/// Layout per layer: keys <c>[capacity, head_dim]</c> and values <c>[capacity, head_dim]</c>, row = position.
/// </summary>
internal sealed class KvCache
{
    private readonly AlignedArray<float>[]? _keys32, _values32;
    private readonly AlignedArray<Half>[]? _keys16, _values16;

    public KvCache(int layers, int capacity, int width, KvCacheType type)
    {
        Capacity = capacity;
        Width = width;
        Type = type;
        long perLayer = checked((long)capacity * width);
        if (perLayer > Array.MaxLength - 64)   // room for AlignedArray's padding
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the K/V cache of one layer is too large");
        if (type == KvCacheType.F32)
        {
            _keys32 = NewLayers<float>(layers, perLayer);
            _values32 = NewLayers<float>(layers, perLayer);
        }
        else
        {
            _keys16 = NewLayers<Half>(layers, perLayer);
            _values16 = NewLayers<Half>(layers, perLayer);
        }
    }

    public int Capacity { get; }

    public int Width { get; }

    public KvCacheType Type { get; }

    /// <summary>Bytes held by the cache.</summary>
    public long Bytes => (long)(_keys32?.Length ?? _keys16!.Length) * 2 * Capacity * Width * (Type == KvCacheType.F32 ? 4 : 2);

    public Span<float> Keys32(int layer) => _keys32![layer].Span;

    public Span<float> Values32(int layer) => _values32![layer].Span;

    public Span<Half> Keys16(int layer) => _keys16![layer].Span;

    public Span<Half> Values16(int layer) => _values16![layer].Span;

    /// <summary>Writes one position's key and value.</summary>
    public void Store(int layer, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int at = position * Width;
        if (Type == KvCacheType.F32)
        {
            key.CopyTo(_keys32![layer].AsSpan(at, Width));
            value.CopyTo(_values32![layer].AsSpan(at, Width));
        }
        else
        {
            Kernels.FloatConversion.SingleToHalf(key, _keys16![layer].AsSpan(at, Width));
            Kernels.FloatConversion.SingleToHalf(value, _values16![layer].AsSpan(at, Width));
        }
    }

    // Rows start on cache lines (head_dim 128: 512 or 256 bytes a row), so attention's vector loads never straddle two.
    private static AlignedArray<T>[] NewLayers<T>(int layers, long length) where T : unmanaged
    {
        var result = new AlignedArray<T>[layers];
        for (int i = 0; i < layers; i++)
            result[i] = new AlignedArray<T>((int)length, zeroed: false);
        return result;
    }
}
