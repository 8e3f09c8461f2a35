using StarChat.Text.Templates.Parsing;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// Walks the statement tree and writes trusted template text and the values of <c>{{ }}</c> (with their own trust)
/// to the output. One instance renders once.
/// </summary>
internal sealed partial class Interpreter(Scope globals, RenderBudget budget)
{
    /// <summary>Bounds macro recursion well inside the thread's stack.</summary>
    private const int MaxMacroDepth = 64;

    private Scope _scope = new(globals);
    private TemplateStringBuilder _output = new();
    private int _macroDepth;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <exception cref="TemplateException">A render error, with the position of the failing expression.</exception>
    public TemplateString Render(IReadOnlyList<Stmt> body)
    {
        Execute(body);
        return _output.Build();
    }

    private Flow Execute(IReadOnlyList<Stmt> body)
    {
        foreach (var statement in body)
        {
            var flow = Execute(statement);
            if (flow != Flow.Normal)
                return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt statement)
    {
        switch (statement)
        {
            case TextStmt text:
                Write(TemplateString.Trusted(text.Text), text);
                return Flow.Normal;
            case OutputStmt output:
                var value = Evaluate(output.Value);
                Write(value is StringValue s ? s.Value : Guard(output, () => PythonFormat.Str(value)), output);
                return Flow.Normal;
            case IfStmt ifStmt:
                foreach (var branch in ifStmt.Branches)
                {
                    if (Evaluate(branch.Test).IsTruthy)
                        return Execute(branch.Body);
                }
                return Execute(ifStmt.Else);
            case ForStmt loop:
                return ExecuteFor(loop);
            case SetStmt set:
                Assign(set.Target, Evaluate(set.Value), set);
                return Flow.Normal;
            case SetBlockStmt setBlock:
                var saved = _output;
                _output = new TemplateStringBuilder();
                Flow captured;
                try
                {
                    captured = Execute(setBlock.Body);
                    Assign(setBlock.Target, new StringValue(_output.Build()), setBlock);
                }
                finally
                {
                    _output = saved;
                }
                return captured;
            case MacroStmt macro:
                _scope.Set(macro.Name, DefineMacro(macro));
                return Flow.Normal;
            case CallBlockStmt callBlock:
                var result = CallWithCaller(callBlock);
                Write(result is StringValue rendered ? rendered.Value : Guard(callBlock, () => PythonFormat.Str(result)), callBlock);
                return Flow.Normal;
            case BlockStmt block:
                return Execute(block.Body);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new TemplateException($"internal: unknown statement {statement.GetType().Name}", statement.Line, statement.Column);
        }
    }

    /// <summary>
    /// A macro is a closure over the scope it is defined in (so it sees top-level variables as they are when it is
    /// called); a call renders its body into a fresh buffer and returns that text with its trust.
    /// </summary>
    private FunctionValue DefineMacro(MacroStmt macro)
    {
        var definingScope = _scope;
        return new FunctionValue(macro.Name, args =>
        {
            if (++_macroDepth > MaxMacroDepth)
                throw new TemplateRuntimeException($"macro calls nested deeper than {MaxMacroDepth} (runaway recursion in '{macro.Name}'?)");
            var savedScope = _scope;
            var savedOutput = _output;
            _scope = new Scope(definingScope);
            _output = new TemplateStringBuilder();
            try
            {
                BindParameters(macro, args);
                Execute(macro.Body);
                return new StringValue(_output.Build());
            }
            finally
            {
                _scope = savedScope;
                _output = savedOutput;
                _macroDepth--;
            }
        });
    }

    private Value CallWithCaller(CallBlockStmt block)
    {
        var caller = DefineMacro(new MacroStmt("caller", block.CallerParameters, block.Body, block.Line, block.Column));
        var callee = Evaluate(block.Call.Callee);
        if (callee is not FunctionValue function)
            throw new TemplateException($"'{{% call %}}' target is not a macro but {callee.TypeName}", block.Line, block.Column);
        var args = Arguments(function.Name, block.Call.Arguments);
        var named = new Dictionary<string, Value>(args.Named, StringComparer.Ordinal) { ["caller"] = caller };
        return Guard(block, () => function.Invoke(new CallArguments(function.Name, args.Positional, named, budget)));
    }

    private void BindParameters(MacroStmt macro, CallArguments args)
    {
        var parameters = macro.Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            Value value;
            if (i < args.Positional.Count)
                value = args.Positional[i];
            else if (args.Named.TryGetValue(p.Name, out var named))
                value = named;
            else
                value = p.Default is null ? new UndefinedValue(p.Name) : Evaluate(p.Default);
            _scope.Set(p.Name, value);
        }
        // Jinja's extra-argument catch-alls.
        _scope.Set("varargs", new ListValue([.. args.Positional.Skip(parameters.Count)], isTuple: true));
        var kwargs = new DictValue();
        foreach (var (name, value) in args.Named)
        {
            if (name == "caller")
                _scope.Set("caller", value);
            else if (!parameters.Any(p => p.Name == name))
                kwargs.Set(name, value);
        }
        _scope.Set("kwargs", kwargs);
    }

    private Flow ExecuteFor(ForStmt loop)
    {
        var iterable = Evaluate(loop.Iterable);
        var items = Guard(loop, () => Access.Iterate(iterable));
        var outer = _scope;
        if (loop.Filter is not null)
        {
            var kept = new List<Value>();
            foreach (var item in items)
            {
                Guard(loop, budget.Step);
                _scope = new Scope(outer);
                try
                {
                    Assign(loop.Target, item, loop);
                    if (Evaluate(loop.Filter).IsTruthy)
                        kept.Add(item);
                }
                finally
                {
                    _scope = outer;
                }
            }
            items = kept;
        }
        if (items.Count == 0)
            return Execute(loop.Else);
        for (int i = 0; i < items.Count; i++)
        {
            Guard(loop, budget.Step);
            _scope = new Scope(outer);
            Flow flow;
            try
            {
                Assign(loop.Target, items[i], loop);
                _scope.Set("loop", new LoopValue(items, i, depth0: 0));
                flow = Execute(loop.Body);
            }
            finally
            {
                _scope = outer;
            }
            if (flow == Flow.Break)
                break;
        }
        return Flow.Normal;
    }

    private void Assign(AssignTarget target, Value value, Stmt at)
    {
        switch (target)
        {
            case NameTarget name:
                _scope.Set(name.Name, value);
                break;
            case NamespaceTarget ns:
                if (!_scope.TryGet(ns.Namespace, out var holder) || holder is not NamespaceValue namespaceValue)
                    throw new TemplateException($"cannot set '{ns.Namespace}.{ns.Attribute}': '{ns.Namespace}' is not a namespace() object", at.Line, at.Column);
                namespaceValue.Attributes[ns.Attribute] = value;
                break;
            case TupleTarget tuple:
                var items = Guard(at, () => Access.Iterate(value));
                if (items.Count != tuple.Names.Count)
                    throw new TemplateException($"cannot unpack {items.Count} value(s) into {tuple.Names.Count} names ({string.Join(", ", tuple.Names)})", at.Line, at.Column);
                for (int i = 0; i < items.Count; i++)
                    _scope.Set(tuple.Names[i], items[i]);
                break;
        }
    }

    private void Write(TemplateString text, Stmt at)
    {
        Guard(at, () =>
        {
            _output.Append(text);
            budget.Charge(text.Length);
        });
    }

    private static T Guard<T>(Stmt at, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (TemplateRuntimeException e)
        {
            throw Positioned(e, at.Line, at.Column);
        }
    }

    private static void Guard(Stmt at, Action action) => Guard(at, () =>
    {
        action();
        return 0;
    });

    private static TemplateException Positioned(TemplateRuntimeException e, int line, int column) =>
        e.RaisedByTemplate ? new TemplateRaisedException(e.Message, line, column) : new TemplateException(e.Message, line, column);
}
