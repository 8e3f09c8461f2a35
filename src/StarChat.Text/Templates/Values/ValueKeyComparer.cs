namespace StarChat.Text.Templates.Values;

/// <summary>Python equality and hashing for dict keys: <c>1 == 1.0 == True</c>, strings by text (trust ignored).</summary>
internal sealed class ValueKeyComparer : IEqualityComparer<Value>
{
    public static ValueKeyComparer Instance { get; } = new();

    public static bool IsHashable(Value v) => v switch
    {
        ListValue l => l.IsTuple && l.Items.All(IsHashable),
        DictValue or NamespaceValue => false,
        _ => true,
    };

    public static void EnsureHashable(Value v)
    {
        if (!IsHashable(v))
            throw new TemplateRuntimeException($"unhashable type: '{v.TypeName}'");
    }

    public bool Equals(Value? x, Value? y) => x is not null && y is not null && ValueEquality.AreEqual(x, y);

    public int GetHashCode(Value obj) => obj switch
    {
        StringValue s => StringComparer.Ordinal.GetHashCode(s.Text),
        BoolValue b => b.Value ? 1 : 0,
        IntValue i => i.Value.GetHashCode(),
        FloatValue f => double.IsInteger(f.Value) && Math.Abs(f.Value) < 9.2e18 ? ((long)f.Value).GetHashCode() : f.Value.GetHashCode(),
        ListValue l => l.Items.Aggregate(17, (h, item) => h * 31 + GetHashCode(item)),
        NoneValue => 0x5eed,
        UndefinedValue => 0x0def,
        _ => obj.GetHashCode(),
    };
}
