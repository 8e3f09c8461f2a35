namespace StarChat.Text.Templates.Values;

/// <summary>Python's <c>==</c> and ordering comparisons over template values.</summary>
internal static class ValueEquality
{
    /// <summary>Templates can nest lists one level per loop iteration; comparisons stop well before the stack does.</summary>
    private const int MaxDepth = 64;

    public static bool AreEqual(Value a, Value b) => AreEqual(a, b, 0);

    private static bool AreEqual(Value a, Value b, int depth)
    {
        if (depth > MaxDepth)
            throw new TemplateRuntimeException("values nested too deeply to compare");
        if (ReferenceEquals(a, b))
            return true;
        if (TryNumber(a, out double da, out long la, out bool ia) && TryNumber(b, out double db, out long lb, out bool ib))
            return ia && ib ? la == lb : da == db;
        return (a, b) switch
        {
            (StringValue x, StringValue y) => string.Equals(x.Text, y.Text, StringComparison.Ordinal),
            (ListValue x, ListValue y) => x.IsTuple == y.IsTuple && x.Items.Count == y.Items.Count
                && x.Items.Zip(y.Items).All(p => AreEqual(p.First, p.Second, depth + 1)),
            (DictValue x, DictValue y) => x.Count == y.Count
                && x.Entries.All(e => y.TryGet(e.Key, out var v) && AreEqual(e.Value, v, depth + 1)),
            (NoneValue, NoneValue) => true,
            // Jinja: every undefined equals every other undefined.
            (UndefinedValue, UndefinedValue) => true,
            _ => false,
        };
    }

    /// <summary>Python ordering: -1, 0 or 1; numbers with numbers, strings with strings, sequences item by item.</summary>
    public static int Compare(Value a, Value b, string op) => Compare(a, b, op, 0);

    private static int Compare(Value a, Value b, string op, int depth)
    {
        if (depth > MaxDepth)
            throw new TemplateRuntimeException("values nested too deeply to compare");
        if (TryNumber(a, out double da, out long la, out bool ia) && TryNumber(b, out double db, out long lb, out bool ib))
        {
            if (ia && ib)
                return la.CompareTo(lb);
            if (double.IsNaN(da) || double.IsNaN(db))
                throw new TemplateRuntimeException($"'{op}' on NaN is not supported");
            return da.CompareTo(db);
        }
        switch (a, b)
        {
            case (StringValue x, StringValue y):
                return Math.Sign(string.CompareOrdinal(x.Text, y.Text));
            case (ListValue x, ListValue y) when x.IsTuple == y.IsTuple:
                for (int i = 0; i < Math.Min(x.Items.Count, y.Items.Count); i++)
                {
                    if (!AreEqual(x.Items[i], y.Items[i], depth + 1))
                        return Compare(x.Items[i], y.Items[i], op, depth + 1);
                }
                return x.Items.Count.CompareTo(y.Items.Count);
            default:
                throw new TemplateRuntimeException($"'{op}' not supported between instances of '{a.TypeName}' and '{b.TypeName}'");
        }
    }

    /// <summary>bool, int and float as numbers (Python's bool is an int).</summary>
    public static bool TryNumber(Value v, out double asDouble, out long asLong, out bool isInteger)
    {
        switch (v)
        {
            case IntValue i:
                (asDouble, asLong, isInteger) = (i.Value, i.Value, true);
                return true;
            case BoolValue b:
                (asDouble, asLong, isInteger) = (b.Value ? 1 : 0, b.Value ? 1 : 0, true);
                return true;
            case FloatValue f:
                (asDouble, asLong, isInteger) = (f.Value, 0, false);
                return true;
            default:
                (asDouble, asLong, isInteger) = (0, 0, false);
                return false;
        }
    }
}
