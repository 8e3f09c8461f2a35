using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// Jinja's <c>loop</c> object for one iteration: <c>index</c>, <c>index0</c>, <c>revindex</c>, <c>revindex0</c>,
/// <c>first</c>, <c>last</c>, <c>length</c>, <c>previtem</c>, <c>nextitem</c>, <c>depth</c>, <c>depth0</c> and
/// <c>cycle(...)</c>. Counts are over the items left after the loop's <c>if</c> filter.
/// </summary>
internal sealed class LoopValue(IReadOnlyList<Value> items, int index, int depth0) : Value
{
    public override string TypeName => "LoopContext";

    public Value GetAttribute(string name) => name switch
    {
        "index" => new IntValue(index + 1),
        "index0" => new IntValue(index),
        "revindex" => new IntValue(items.Count - index),
        "revindex0" => new IntValue(items.Count - index - 1),
        "first" => BoolValue.Of(index == 0),
        "last" => BoolValue.Of(index == items.Count - 1),
        "length" => new IntValue(items.Count),
        "previtem" => index > 0 ? items[index - 1] : new UndefinedValue("loop.previtem"),
        "nextitem" => index + 1 < items.Count ? items[index + 1] : new UndefinedValue("loop.nextitem"),
        "depth" => new IntValue(depth0 + 1),
        "depth0" => new IntValue(depth0),
        "cycle" => new FunctionValue("loop.cycle", args =>
            args.Positional.Count == 0
                ? throw new TemplateRuntimeException("loop.cycle() needs at least one argument")
                : args.Positional[index % args.Positional.Count]),
        _ => new UndefinedValue("loop." + name),
    };
}
