using System.Globalization;

namespace StarChat.Formats.Gguf;

/// <summary>
/// One GGUF metadata value. Scalars hold the CLR type of their <see cref="Type"/> (<c>byte</c>, <c>sbyte</c>,
/// <c>ushort</c>, <c>short</c>, <c>uint</c>, <c>int</c>, <c>float</c>, <c>bool</c>, <c>string</c>, <c>ulong</c>,
/// <c>long</c>, <c>double</c>); arrays hold a typed CLR array of their <see cref="ElementType"/>
/// (e.g. <c>int[]</c>), or <c>GgufValue[]</c> when the elements are themselves arrays. String arrays read from a file
/// are a <see cref="PackedStringCollection"/>; ones built in code may also be a <c>string[]</c>.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType? elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        Value = value;
    }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the type of the elements; null for scalars.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>The boxed scalar or the typed array (see the class remarks).</summary>
    public object Value { get; }

    /// <summary>Number of elements of an array (1 for a scalar).</summary>
    public int Count => Type != GgufValueType.Array ? 1 : Value switch
    {
        Array a => a.Length,
        PackedStringCollection p => p.Count,
        _ => 1,
    };

    /// <summary>A u8 value.</summary>
    public static GgufValue Of(byte v) => new(GgufValueType.UInt8, null, v);
    /// <summary>An i8 value.</summary>
    public static GgufValue Of(sbyte v) => new(GgufValueType.Int8, null, v);
    /// <summary>A u16 value.</summary>
    public static GgufValue Of(ushort v) => new(GgufValueType.UInt16, null, v);
    /// <summary>An i16 value.</summary>
    public static GgufValue Of(short v) => new(GgufValueType.Int16, null, v);
    /// <summary>A u32 value.</summary>
    public static GgufValue Of(uint v) => new(GgufValueType.UInt32, null, v);
    /// <summary>An i32 value.</summary>
    public static GgufValue Of(int v) => new(GgufValueType.Int32, null, v);
    /// <summary>An f32 value.</summary>
    public static GgufValue Of(float v) => new(GgufValueType.Float32, null, v);
    /// <summary>A bool value.</summary>
    public static GgufValue Of(bool v) => new(GgufValueType.Bool, null, v);
    /// <summary>A string value.</summary>
    public static GgufValue Of(string v) => new(GgufValueType.String, null, v);
    /// <summary>A u64 value.</summary>
    public static GgufValue Of(ulong v) => new(GgufValueType.UInt64, null, v);
    /// <summary>An i64 value.</summary>
    public static GgufValue Of(long v) => new(GgufValueType.Int64, null, v);
    /// <summary>An f64 value.</summary>
    public static GgufValue Of(double v) => new(GgufValueType.Float64, null, v);

    /// <summary>An array of scalars; <typeparamref name="T"/> must be one of the scalar CLR types listed on the class.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not a GGUF scalar type.</exception>
    public static GgufValue Array<T>(T[] elements) => new(GgufValueType.Array, ScalarType(typeof(T)), elements);

    /// <summary>An array whose elements are arrays (allowed by the GGUF spec; ggml's own reader refuses them).</summary>
    public static GgufValue Array(GgufValue[] arrays)
    {
        foreach (var a in arrays)
            if (a.Type != GgufValueType.Array)
                throw new ArgumentException("every element of a nested array must itself be an array", nameof(arrays));
        return new(GgufValueType.Array, GgufValueType.Array, arrays);
    }

    /// <summary>The value as a signed integer when it is an integer type that fits in 64 bits.</summary>
    public bool TryGetInt64(out long value)
    {
        (bool ok, value) = Value switch
        {
            byte v => (true, v),
            sbyte v => (true, v),
            ushort v => (true, v),
            short v => (true, v),
            uint v => (true, v),
            int v => (true, v),
            long v => (true, v),
            ulong v when v <= long.MaxValue => (true, (long)v),
            _ => (false, 0L),
        };
        return ok && Type != GgufValueType.Array;
    }

    /// <summary>The value as a double when it is a float or integer scalar.</summary>
    public bool TryGetDouble(out double value)
    {
        (bool ok, value) = Value switch
        {
            float v => (true, v),
            double v => (true, v),
            _ when TryGetInt64(out long l) => (true, (double)l),
            ulong v => (true, (double)v),
            _ => (false, 0.0),
        };
        return ok && Type != GgufValueType.Array;
    }

    /// <summary>A short human-readable form: the scalar itself, or <c>[N × type]</c> for arrays.</summary>
    public override string ToString() => Type switch
    {
        GgufValueType.Array => $"[{Count} × {ElementType}]",
        GgufValueType.Float32 => ((float)Value).ToString("R", CultureInfo.InvariantCulture),
        GgufValueType.Float64 => ((double)Value).ToString("R", CultureInfo.InvariantCulture),
        GgufValueType.Bool => (bool)Value ? "true" : "false",
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>An array of strings kept packed (vocabularies).</summary>
    public static GgufValue Strings(PackedStringCollection strings) => new(GgufValueType.Array, GgufValueType.String, strings);

    internal static GgufValue Scalar(GgufValueType type, object value) => new(type, null, value);

    internal static GgufValue TypedArray(GgufValueType elementType, Array elements) => new(GgufValueType.Array, elementType, elements);

    private static GgufValueType ScalarType(Type t)
    {
        if (t == typeof(byte)) return GgufValueType.UInt8;
        if (t == typeof(sbyte)) return GgufValueType.Int8;
        if (t == typeof(ushort)) return GgufValueType.UInt16;
        if (t == typeof(short)) return GgufValueType.Int16;
        if (t == typeof(uint)) return GgufValueType.UInt32;
        if (t == typeof(int)) return GgufValueType.Int32;
        if (t == typeof(float)) return GgufValueType.Float32;
        if (t == typeof(bool)) return GgufValueType.Bool;
        if (t == typeof(string)) return GgufValueType.String;
        if (t == typeof(ulong)) return GgufValueType.UInt64;
        if (t == typeof(long)) return GgufValueType.Int64;
        if (t == typeof(double)) return GgufValueType.Float64;
        throw new ArgumentException($"{t.Name} is not a GGUF scalar type", nameof(t));
    }
}
