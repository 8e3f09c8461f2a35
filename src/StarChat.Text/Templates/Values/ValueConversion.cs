using System.Collections;
using System.Text.Json;

namespace StarChat.Text.Templates.Values;

/// <summary>
/// Turns caller data (<see cref="ChatTemplateContext.Variables"/>) into template values. Only plain data is
/// accepted, never arbitrary .NET objects, and every string is untrusted.
/// </summary>
internal static class ValueConversion
{
    private const int MaxDepth = 64;

    /// <summary>Converts <paramref name="value"/>; adds its characters to <paramref name="chars"/> (sizes the render limit).</summary>
    /// <exception cref="ArgumentException">The value is of a type templates cannot see, or nested too deeply.</exception>
    public static Value FromObject(object? value, string path, ref long chars, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"template variable '{path}' is nested more than {MaxDepth} levels deep");
        switch (value)
        {
            case null:
                return NoneValue.Instance;
            case string s:
                chars += s.Length;
                return StringValue.Untrusted(s);
            case bool b:
                return BoolValue.Of(b);
            case int or long or short or sbyte or byte or ushort or uint:
                return new IntValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case float or double or decimal:
                return new FloatValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            case JsonElement json:
                return FromJson(json, path, ref chars, depth);
            case IEnumerable<KeyValuePair<string, object?>> map:
                var dict = new DictValue();
                foreach (var (k, v) in map)
                {
                    chars += k.Length;
                    dict.Set(StringValue.Untrusted(k), FromObject(v, $"{path}.{k}", ref chars, depth + 1));
                }
                return dict;
            case IEnumerable list:
                var items = new List<Value>();
                foreach (var item in list)
                    items.Add(FromObject(item, $"{path}[{items.Count}]", ref chars, depth + 1));
                return new ListValue(items);
            default:
                throw new ArgumentException($"template variable '{path}' has type {value.GetType().Name}; use string, bool, a number, null, JsonElement, a list or a string-keyed dictionary");
        }
    }

    private static Value FromJson(JsonElement json, string path, ref long chars, int depth)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"template variable '{path}' is nested more than {MaxDepth} levels deep");
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new DictValue();
                foreach (var p in json.EnumerateObject())
                {
                    chars += p.Name.Length;
                    dict.Set(StringValue.Untrusted(p.Name), FromJson(p.Value, $"{path}.{p.Name}", ref chars, depth + 1));
                }
                return dict;
            case JsonValueKind.Array:
                var items = new List<Value>();
                foreach (var item in json.EnumerateArray())
                    items.Add(FromJson(item, $"{path}[{items.Count}]", ref chars, depth + 1));
                return new ListValue(items);
            case JsonValueKind.String:
                string s = json.GetString()!;
                chars += s.Length;
                return StringValue.Untrusted(s);
            case JsonValueKind.Number:
                return json.TryGetInt64(out long l) ? new IntValue(l) : new FloatValue(json.GetDouble());
            case JsonValueKind.True:
                return BoolValue.True;
            case JsonValueKind.False:
                return BoolValue.False;
            default:
                return NoneValue.Instance;
        }
    }
}
