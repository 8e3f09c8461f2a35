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
    private readonly float[][]? _keys32, _values32;
    private readonly Half[][]? _keys16, _values16;

    public KvCache(int layers, int capacity, int width, KvCacheType type)
    {
        Capacity = capacity;
        Width = width;
        Type = type;
        long perLayer = checked((long)capacity * width);
        if (perLayer > Array.MaxLength)
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

    public Span<float> Keys32(int layer) => _keys32![layer];

    public Span<float> Values32(int layer) => _values32![layer];

    public Span<Half> Keys16(int layer) => _keys16![layer];

    public Span<Half> Values16(int layer) => _values16![layer];

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

    private static T[][] NewLayers<T>(int layers, long length)
    {
        var result = new T[layers][];
        for (int i = 0; i < layers; i++)
            result[i] = GC.AllocateUninitializedArray<T>((int)length);
        return result;
    }
}
