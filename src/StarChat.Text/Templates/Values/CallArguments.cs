using StarChat.Text.Templates.Evaluation;

namespace StarChat.Text.Templates.Values;

/// <summary>Positional and keyword arguments of a call, filter or test, with helpers that check them.</summary>
internal sealed class CallArguments(string callee, IReadOnlyList<Value> positional, IReadOnlyDictionary<string, Value> named, RenderBudget budget)
{
    private static readonly Dictionary<string, Value> s_noNamed = [];

    public CallArguments(string callee, IReadOnlyList<Value> positional, RenderBudget budget) : this(callee, positional, s_noNamed, budget)
    {
    }

    public string Callee { get; } = callee;

    public IReadOnlyList<Value> Positional { get; } = positional;

    public IReadOnlyDictionary<string, Value> Named { get; } = named;

    /// <summary>The render's budget, for functions that could build large values.</summary>
    public RenderBudget Budget { get; } = budget;

    /// <summary>Argument <paramref name="index"/> or keyword <paramref name="name"/>, else null.</summary>
    public Value? Get(int index, string name)
    {
        if (index < Positional.Count)
            return Positional[index];
        return Named.TryGetValue(name, out var v) ? v : null;
    }

    public Value Required(int index, string name) =>
        Get(index, name) ?? throw new TemplateRuntimeException($"{Callee}() missing argument '{name}'");

    /// <summary>Rejects more positional arguments than <paramref name="max"/> and unknown keywords.</summary>
    public CallArguments Expect(int max, params string[] names)
    {
        if (Positional.Count > max)
            throw new TemplateRuntimeException($"{Callee}() takes at most {max} argument(s), {Positional.Count} given");
        foreach (var key in Named.Keys)
        {
            if (Array.IndexOf(names, key) < 0)
                throw new TemplateRuntimeException($"{Callee}() got an unexpected keyword argument '{key}'");
        }
        return this;
    }

    /// <summary>The same arguments without the first <paramref name="count"/> positional ones, for another callee.</summary>
    public CallArguments Skip(int count, string callee) =>
        new(callee, [.. Positional.Skip(count)], Named, Budget);
}
