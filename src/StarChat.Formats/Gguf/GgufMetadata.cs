using System.Diagnostics.CodeAnalysis;

namespace StarChat.Formats.Gguf;

/// <summary>
/// The key → value pairs of a GGUF file, in file order. The typed getters fail with a
/// <see cref="ModelFormatException"/> that names the file and the key when a value is missing or of the wrong type.
/// </summary>
public sealed class GgufMetadata
{
    private readonly Dictionary<string, GgufValue> _values;
    private readonly List<KeyValuePair<string, GgufValue>> _pairs;

    internal GgufMetadata(string origin, List<KeyValuePair<string, GgufValue>> pairs)
    {
        Origin = origin;
        _values = new Dictionary<string, GgufValue>(pairs.Count, StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
            _values.Add(key, value);
        _pairs = pairs;
    }

    /// <summary>The file the metadata came from, for messages.</summary>
    public string Origin { get; }

    /// <summary>The value of <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    public GgufValue this[string key] => _values[key];

    /// <summary>Every pair, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Pairs => _pairs;

    /// <summary>Keys in file order.</summary>
    public IEnumerable<string> Keys => _pairs.Select(p => p.Key);

    /// <summary>Number of pairs.</summary>
    public int Count => _pairs.Count;

    /// <summary>True when the key is present.</summary>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, when present.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out GgufValue value) => _values.TryGetValue(key, out value);

    /// <summary>A string value, or null when the key is absent.</summary>
    /// <exception cref="ModelFormatException">The key holds another type.</exception>
    public string? GetStringOrNull(string key)
        => TryGetValue(key, out var v) ? v.Value as string ?? throw WrongType(key, v, "a string") : null;

    /// <summary>An integer value of any integer type, or null when the key is absent.</summary>
    /// <exception cref="ModelFormatException">The key holds a non-integer, or an integer outside <paramref name="min"/>..<paramref name="max"/>.</exception>
    public long? GetIntegerOrNull(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!TryGetValue(key, out var v))
            return null;
        if (!v.TryGetInt64(out long n))
            throw WrongType(key, v, "an integer");
        if (n < min || n > max)
            throw new ModelFormatException(Origin, $"metadata '{key}'", $"value {n} outside {min}..{max}");
        return n;
    }

    /// <summary>An integer value that must be present.</summary>
    /// <exception cref="ModelFormatException">Missing, not an integer, or out of range.</exception>
    public long GetInteger(string key, long min = long.MinValue, long max = long.MaxValue)
        => GetIntegerOrNull(key, min, max) ?? throw Missing(key);

    /// <summary>A float value (f32, f64 or an integer), or null when the key is absent.</summary>
    /// <exception cref="ModelFormatException">The key holds another type.</exception>
    public double? GetFloatOrNull(string key)
        => TryGetValue(key, out var v) ? v.TryGetDouble(out double d) ? d : throw WrongType(key, v, "a number") : null;

    /// <summary>A bool value, or null when the key is absent.</summary>
    /// <exception cref="ModelFormatException">The key holds another type.</exception>
    public bool? GetBoolOrNull(string key)
        => TryGetValue(key, out var v) ? v.Value is bool b ? b : throw WrongType(key, v, "a bool") : null;

    /// <summary>An array of strings, or null when the key is absent.</summary>
    /// <exception cref="ModelFormatException">The key holds another type.</exception>
    public IReadOnlyList<string>? GetStringArrayOrNull(string key)
        => TryGetValue(key, out var v) ? v.Value as IReadOnlyList<string> ?? throw WrongType(key, v, "an array of strings") : null;

    /// <summary>An array of integers (any integer element type, converted to int), or null when absent.</summary>
    /// <exception cref="ModelFormatException">The key holds another type, or an element does not fit in an int.</exception>
    public int[]? GetInt32ArrayOrNull(string key)
    {
        if (!TryGetValue(key, out var v))
            return null;
        switch (v.Value)
        {
            case int[] ints:
                return ints;
            case Array a when v.Type == GgufValueType.Array && v.ElementType is not (GgufValueType.String or GgufValueType.Array
                or GgufValueType.Float32 or GgufValueType.Float64 or GgufValueType.Bool):
                var result = new int[a.Length];
                for (int i = 0; i < a.Length; i++)
                {
                    long n = a.GetValue(i) switch
                    {
                        byte b => b,
                        sbyte b => b,
                        ushort s => s,
                        short s => s,
                        uint u => u,
                        long l => l,
                        ulong u when u <= int.MaxValue => (long)u,
                        _ => long.MaxValue,
                    };
                    if (n is < int.MinValue or > int.MaxValue)
                        throw new ModelFormatException(Origin, $"metadata '{key}'", $"element {i} does not fit in int32");
                    result[i] = (int)n;
                }
                return result;
            default:
                throw WrongType(key, v, "an array of integers");
        }
    }

    private ModelFormatException Missing(string key) => new(Origin, $"metadata '{key}'", "required key is missing");

    private ModelFormatException WrongType(string key, GgufValue v, string expected)
        => new(Origin, $"metadata '{key}'", $"expected {expected}, found {(v.Type == GgufValueType.Array ? $"array of {v.ElementType}" : v.Type.ToString())}");
}
