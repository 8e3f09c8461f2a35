namespace StarChat.Formats.IO;

/// <summary>Overflow-checked size arithmetic that reports failure instead of throwing, so readers can name the field.</summary>
internal static class SafeMath
{
    /// <summary>a·b for non-negative a and b, false when the product does not fit in 63 bits.</summary>
    public static bool TryMultiply(long a, long b, out long product)
    {
        if (a < 0 || b < 0 || (a != 0 && b > long.MaxValue / a))
        {
            product = 0;
            return false;
        }
        product = a * b;
        return true;
    }

    /// <summary>Bytes of <paramref name="elements"/> elements of <paramref name="type"/>, or false on overflow or a partial block.</summary>
    public static bool TryByteCount(Engine.Tensors.TensorType type, long elements, out long bytes)
    {
        int block = Engine.Tensors.TensorTypeInfo.BlockSize(type);
        bytes = 0;
        return elements >= 0 && elements % block == 0 && TryMultiply(elements / block, Engine.Tensors.TensorTypeInfo.BlockBytes(type), out bytes);
    }
}
