using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>Filters over sequences: selection, mapping, sorting and aggregation.</summary>
internal static partial class Filters
{
    /// <summary><c>select/reject(test, args...)</c> and <c>selectattr/rejectattr(attribute, test, args...)</c>.</summary>
    private static ListValue SelectItems(Value v, CallArguments a, bool attribute, bool keep)
    {
        int offset = attribute ? 1 : 0;
        string? path = attribute ? Text(a.Required(0, "attribute")) : null;
        string? test = a.Positional.Count > offset ? Text(a.Positional[offset]) : null;
        if (test is not null && !Tests.IsKnown(test))
            throw new TemplateRuntimeException($"unsupported test '{test}'");
        var testArgs = new CallArguments(test ?? "truthy", [.. a.Positional.Skip(offset + 1)], a.Budget);
        var result = new List<Value>();
        foreach (var item in Access.Iterate(v))
        {
            var subject = path is null ? item : Access.GetPath(item, path);
            bool passed = test is null ? subject.IsTruthy : Tests.Apply(test, subject, testArgs);
            if (passed == keep)
                result.Add(item);
        }
        return new ListValue(result);
    }

    /// <summary><c>map(attribute='x', default=...)</c> or <c>map('filter', args...)</c>.</summary>
    private static ListValue Map(Value v, CallArguments a)
    {
        var items = Access.Iterate(v);
        if (a.Named.TryGetValue("attribute", out var attr))
        {
            string path = Text(attr);
            var fallback = a.Named.GetValueOrDefault("default");
            return new ListValue([.. items.Select(i => Access.GetPath(i, path) is var x && x is UndefinedValue && fallback is not null ? fallback : x)]);
        }
        string filter = Text(a.Required(0, "filter"));
        if (!IsKnown(filter))
            throw new TemplateRuntimeException($"unsupported filter '{filter}'");
        var rest = a.Skip(1, filter);
        return new ListValue([.. items.Select(i => Apply(filter, i, rest))]);
    }

    private static Func<Value, Value> SortKey(CallArguments a, int attributeIndex, int caseIndex)
    {
        string? path = a.Get(attributeIndex, "attribute") is StringValue s ? s.Text : null;
        bool caseSensitive = a.Get(caseIndex, "case_sensitive")?.IsTruthy ?? false;
        return item =>
        {
            var key = path is null ? item : Access.GetPath(item, path);
            return !caseSensitive && key is StringValue str ? StringValue.Trusted(str.Text.ToLowerInvariant()) : key;
        };
    }

    private static ListValue Sort(Value v, CallArguments a)
    {
        var key = SortKey(a, attributeIndex: 2, caseIndex: 1);
        bool reverse = a.Get(0, "reverse")?.IsTruthy ?? false;
        var items = Access.Iterate(v).Select(i => (Item: i, Key: key(i))).ToList();
        var cmp = Comparer<(Value Item, Value Key)>.Create((x, y) => ValueEquality.Compare(x.Key, y.Key, "<"));
        // Both orders are stable, as Python's sort is, also with reverse=True.
        var sorted = StableSort(items, cmp, reverse);
        return new ListValue([.. sorted.Select(p => p.Item)]);
    }

    private static ListValue Unique(Value v, CallArguments a)
    {
        var key = SortKey(a, attributeIndex: 1, caseIndex: 0);
        var seen = new HashSet<Value>(ValueKeyComparer.Instance);
        return new ListValue([.. Access.Iterate(v).Where(i => seen.Add(key(i)))]);
    }

    private static Value Sum(Value v, CallArguments a)
    {
        string? path = a.Get(0, "attribute") is StringValue s ? s.Text : null;
        Value total = a.Get(1, "start") ?? new IntValue(0);
        foreach (var item in Access.Iterate(v))
            total = Operators.Binary("+", total, path is null ? item : Access.GetPath(item, path), a.Budget);
        return total;
    }

    private static Value Extreme(Value v, CallArguments a, int sign)
    {
        var key = SortKey(a, attributeIndex: 1, caseIndex: 0);
        Value? best = null, bestKey = null;
        foreach (var item in Access.Iterate(v))
        {
            var k = key(item);
            if (best is null || ValueEquality.Compare(k, bestKey!, sign > 0 ? ">" : "<") * sign > 0)
                (best, bestKey) = (item, k);
        }
        return best ?? new UndefinedValue(sign > 0 ? "max" : "min");
    }

    private static ListValue DictSort(Value v, CallArguments a)
    {
        if (v is not DictValue d)
            throw new TemplateRuntimeException($"dictsort needs a mapping, not {v.TypeName}");
        bool caseSensitive = a.Get(0, "case_sensitive")?.IsTruthy ?? false;
        int by = a.Get(1, "by") is StringValue { Text: "value" } ? 1 : 0;
        bool reverse = a.Get(2, "reverse")?.IsTruthy ?? false;
        Value Key(KeyValuePair<Value, Value> e)
        {
            var k = by == 0 ? e.Key : e.Value;
            return !caseSensitive && k is StringValue s ? StringValue.Trusted(s.Text.ToLowerInvariant()) : k;
        }
        var cmp = Comparer<KeyValuePair<Value, Value>>.Create((x, y) => ValueEquality.Compare(Key(x), Key(y), "<"));
        var sorted = StableSort(d.Entries, cmp, reverse);
        return new ListValue([.. sorted.Select(e => (Value)new ListValue([e.Key, e.Value], isTuple: true))]);
    }

    /// <summary>Stable sort whose comparison errors (mixed types) surface as template errors, not sort failures.</summary>
    private static List<T> StableSort<T>(IEnumerable<T> items, IComparer<T> comparer, bool descending)
    {
        try
        {
            return [.. descending ? items.OrderDescending(comparer) : items.Order(comparer)];
        }
        catch (InvalidOperationException e) when (e.InnerException is TemplateRuntimeException inner)
        {
            throw new TemplateRuntimeException(inner.Message, inner);
        }
    }
}
