namespace StarChat.Text.Templates.Values;

/// <summary>Python equality and hashing for dict keys: <c>1 == 1.0 == True</c>, strings by text (trust ignored).</summary>
internal sealed class ValueKeyComparer : IEqualityComparer<Value>
{
    public static ValueKeyComparer Instance { get; } = new();

    public static bool IsHashable(Value v) => IsHashable(v, 0);

    private static bool IsHashable(Value v, int depth) => v switch
    {
        // Deep tuples are treated as unhashable rather than walked without bound.
        ListValue l => depth < 64 && l.IsTuple && l.Items.All(i => IsHashable(i, depth + 1)),
        DictValue or NamespaceValue => false,
        _ => true,
    };

    public static void EnsureHashable(Value v)
    {
        if (!IsHashable(v))
            throw new TemplateRuntimeException($"unhashable type: '{v.TypeName}'");
    }

    public bool Equals(Value? x, Value? y) => x is not null && y is not null && ValueEquality.AreEqual(x, y);

    public int GetHashCode(Value obj) => Hash(obj, 0);

    private static int Hash(Value obj, int depth) => obj switch
    {
        StringValue s => StringComparer.Ordinal.GetHashCode(s.Text),
        BoolValue b => b.Value ? 1 : 0,
        IntValue i => i.Value.GetHashCode(),
        FloatValue f => double.IsInteger(f.Value) && Math.Abs(f.Value) < 9.2e18 ? ((long)f.Value).GetHashCode() : f.Value.GetHashCode(),
        ListValue l => depth > 64 ? l.Items.Count : l.Items.Aggregate(17, (h, item) => h * 31 + Hash(item, depth + 1)),
        NoneValue => 0x5eed,
        UndefinedValue => 0x0def,
        _ => obj.GetHashCode(),
    };
}
