namespace StarChat.Text.Templates.Parsing;

/// <summary>A statement node of the template body.</summary>
internal abstract record Stmt(int Line, int Column);

/// <summary>Literal template text (trusted), after whitespace control.</summary>
internal sealed record TextStmt(string Text, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{{ expr }}</c>.</summary>
internal sealed record OutputStmt(Expr Value, int Line, int Column) : Stmt(Line, Column);

internal sealed record IfBranch(Expr Test, IReadOnlyList<Stmt> Body);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c>.</summary>
internal sealed record IfStmt(IReadOnlyList<IfBranch> Branches, IReadOnlyList<Stmt> Else, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% for target in iterable [if filter] %}...[{% else %}...]{% endfor %}</c>.</summary>
internal sealed record ForStmt(AssignTarget Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else, int Line, int Column)
    : Stmt(Line, Column);

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetStmt(AssignTarget Target, Expr Value, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% set name %}...{% endset %}</c>: captures rendered text, keeping its trust.</summary>
internal sealed record SetBlockStmt(AssignTarget Target, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

internal sealed record MacroParameter(string Name, Expr? Default);

/// <summary><c>{% macro name(a, b=default) %}...{% endmacro %}</c>: a function returning its rendered body.</summary>
internal sealed record MacroStmt(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

/// <summary>
/// <c>{% call(params) macro(args) %}body{% endcall %}</c>: calls the macro with <c>caller</c> bound to a function that
/// renders the body.
/// </summary>
internal sealed record CallBlockStmt(CallExpr Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<Stmt> Body, int Line, int Column)
    : Stmt(Line, Column);

/// <summary>A body rendered in place: Hugging Face's <c>{% generation %}</c> marker block.</summary>
internal sealed record BlockStmt(IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% break %}</c> (Jinja's loopcontrols extension, enabled by Hugging Face).</summary>
internal sealed record BreakStmt(int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% continue %}</c>.</summary>
internal sealed record ContinueStmt(int Line, int Column) : Stmt(Line, Column);

/// <summary>The left side of <c>set</c> or <c>for</c>.</summary>
internal abstract record AssignTarget;

internal sealed record NameTarget(string Name) : AssignTarget;

/// <summary><c>ns.attr</c>: assigns into a <c>namespace()</c> object.</summary>
internal sealed record NamespaceTarget(string Namespace, string Attribute) : AssignTarget;

/// <summary><c>a, b</c>: unpacks a sequence.</summary>
internal sealed record TupleTarget(IReadOnlyList<string> Names) : AssignTarget;
