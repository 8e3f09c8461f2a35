using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>Attribute access, item access, slicing and iteration, following Jinja's lenient rules.</summary>
internal static class Access
{
    /// <summary>
    /// <c>x.name</c>: Python attributes (methods) first, then, for dicts, the key; missing gives undefined, as does
    /// anything of an undefined value.
    /// </summary>
    public static Value GetAttribute(Value target, string name, Func<string> description) => target switch
    {
        NamespaceValue ns => ns.Attributes.TryGetValue(name, out var v) ? v : new UndefinedValue(description),
        LoopValue loop => loop.GetAttribute(name),
        StringValue s => (Value?)Methods.TryBindString(s, name) ?? new UndefinedValue(description),
        DictValue d => (Value?)Methods.TryBindDict(d, name)
            ?? (d.TryGet(name, out var item) ? item : new UndefinedValue(description)),
        ListValue l => (Value?)Methods.TryBindList(l, name) ?? new UndefinedValue(description),
        _ => new UndefinedValue(description),
    };

    /// <summary><c>x[key]</c>: the item first, then for a string key the attribute, as Jinja's <c>getitem</c>.</summary>
    public static Value GetItem(Value target, Value key, Func<string> description)
    {
        switch (target, key)
        {
            case (DictValue d, _):
                if (d.TryGet(key, out var v))
                    return v;
                break;
            case (ListValue l, IntValue or BoolValue):
                long i = ToIndex(key);
                if (i < 0)
                    i += l.Items.Count;
                return i >= 0 && i < l.Items.Count ? l.Items[(int)i] : new UndefinedValue(description);
            case (StringValue s, IntValue or BoolValue):
                long c = ToIndex(key);
                if (c < 0)
                    c += s.Value.Length;
                return c >= 0 && c < s.Value.Length ? new StringValue(s.Value.Slice((int)c, 1)) : new UndefinedValue(description);
        }
        return key is StringValue name && target is not DictValue
            ? GetAttribute(target, name.Text, description)
            : key is StringValue dictMethod && target is DictValue dict && Methods.TryBindDict(dict, dictMethod.Text) is { } method
                ? method
                : new UndefinedValue(description);
    }

    /// <summary>Python slicing <c>x[start:stop:step]</c> of a string, list or tuple; string characters keep their trust.</summary>
    public static Value Slice(Value target, Value? start, Value? stop, Value? step)
    {
        if (target is UndefinedValue)
            return target;
        int length = target switch
        {
            StringValue s => s.Value.Length,
            ListValue l => l.Items.Count,
            _ => throw new TemplateRuntimeException($"'{target.TypeName}' object is not subscriptable"),
        };
        long stepValue = step is null or NoneValue ? 1 : ToIndex(step);
        if (stepValue == 0)
            throw new TemplateRuntimeException("slice step cannot be zero");
        var indices = SliceIndices(length, OptionalIndex(start), OptionalIndex(stop), stepValue);
        if (target is StringValue str)
        {
            if (stepValue == 1)
                return new StringValue(indices.Count == 0 ? TemplateString.Empty : str.Value.Slice(indices[0], indices.Count));
            var b = new TemplateStringBuilder();
            foreach (int i in indices)
                b.Append(str.Text[i], str.Value.TrustAt(i));
            return new StringValue(b.Build());
        }
        var list = (ListValue)target;
        return new ListValue([.. indices.Select(i => list.Items[i])], list.IsTuple);
    }

    /// <summary>What a for loop or a sequence filter walks over.</summary>
    public static IReadOnlyList<Value> Iterate(Value v) => v switch
    {
        ListValue l => l.Items,
        DictValue d => [.. d.Entries.Select(e => e.Key)],
        StringValue s => [.. Enumerable.Range(0, s.Value.Length).Select(i => (Value)new StringValue(s.Value.Slice(i, 1)))],
        UndefinedValue => [],
        _ => throw new TemplateRuntimeException($"'{v.TypeName}' object is not iterable"),
    };

    /// <summary>Jinja's attribute getter for <c>attribute=</c> arguments: dotted path, integer parts index.</summary>
    public static Value GetPath(Value v, string path)
    {
        foreach (var part in path.Split('.'))
        {
            v = long.TryParse(part, out long i)
                ? GetItem(v, new IntValue(i), () => path)
                : GetItem(v, StringValue.Trusted(part), () => path);
        }
        return v;
    }

    private static long ToIndex(Value v) => v switch
    {
        IntValue i => i.Value,
        BoolValue b => b.Value ? 1 : 0,
        _ => throw new TemplateRuntimeException($"indices must be integers, not {v.TypeName}"),
    };

    private static long? OptionalIndex(Value? v) => v is null or NoneValue ? null : ToIndex(v);

    private static List<int> SliceIndices(int length, long? start, long? stop, long step)
    {
        long lo, hi;
        if (step > 0)
        {
            lo = Clamp(start ?? 0, length, 0, length);
            hi = Clamp(stop ?? length, length, 0, length);
        }
        else
        {
            lo = Clamp(start ?? length - 1, length, -1, length - 1);
            hi = stop is null ? -1 : Clamp(stop.Value, length, -1, length - 1);
        }
        var indices = new List<int>();
        for (long i = lo; step > 0 ? i < hi : i > hi; i += step)
            indices.Add((int)i);
        return indices;
    }

    private static long Clamp(long index, int length, long min, long max)
    {
        if (index < 0)
            index += length;
        return Math.Clamp(index, min, max);
    }
}
