using StarChat.Text.Templates;
using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

/// <summary>Unsupported constructs and bad templates fail with a typed exception naming the construct and its position.</summary>
public class TemplateErrorTests
{
    [Theory]
    [InlineData("line1\n  {% include 'x.jinja' %}", "'{% include %}' is not supported", 2, 6)]
    [InlineData("{% extends 'base' %}", "'{% extends %}' is not supported", 1, 4)]
    [InlineData("{% call m %}{% endcall %}", "'{% call %}' needs a macro call", 1, 4)]
    [InlineData("{% import 'x' as y %}", "'{% import %}' is not supported", 1, 4)]
    [InlineData("{% filter upper %}x{% endfilter %}", "'{% filter %}' is not supported", 1, 4)]
    [InlineData("{{ x | frobnicate }}", "unsupported filter 'frobnicate'", 1, 8)]
    [InlineData("{% if x is prime %}{% endif %}", "unsupported test 'prime'", 1, 12)]
    [InlineData("{% frob %}", "unknown tag 'frob'", 1, 4)]
    [InlineData("ab\n{% for x in y %}\n{{ x }}", "unclosed '{% for %}' opened at line 2, column 4", 3, 8)]
    [InlineData("{% if x %}{% endfor %}", "unexpected '{% endfor %}' inside '{% if %}'", 1, 14)]
    [InlineData("{% endif %}", "unexpected '{% endif %}' at top level", 1, 4)]
    [InlineData("{{ 'abc }}", "unterminated string literal", 1, 4)]
    [InlineData("x {{ y ", "unclosed tag: '{{' has no matching '}}'", 1, 3)]
    [InlineData("{# note", "unclosed comment", 1, 1)]
    [InlineData("{% break %}", "'{% break %}' outside a for loop", 1, 4)]
    [InlineData("{{ 1 + }}", "unexpected '}}' in expression", 1, 8)]
    [InlineData("{{ }}", "empty expression", 1, 4)]
    [InlineData("{% for x in y recursive %}{% endfor %}", "recursive for loops are not supported", 1, 15)]
    [InlineData("{{ f(*a, *b) }}", "only one '*' argument is supported per call", 1, 10)]
    [InlineData("{{ 1 $ 2 }}", "unexpected character '$'", 1, 6)]
    [InlineData("{% set x | upper %}a{% endset %}", "filters on a block '{% set %}' are not supported", 1, 10)]
    [InlineData("{% macro m(a=1, b) %}{% endmacro %}", "macro parameter 'b' without a default follows one with a default", 1, 10)]
    [InlineData("{% for x in [1] %}{% macro m() %}{% break %}{% endmacro %}{% endfor %}", "'{% break %}' outside a for loop", 1, 37)]
    [InlineData("{{ 99999999999999999999 }}", "integer literal '99999999999999999999'", 1, 4)]
    public void Parse_BadOrUnsupportedTemplate_ThrowsWithPosition(string source, string reason, int line, int column)
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains($"line {line}, column {column}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'", 1, 6)]
    [InlineData("\n{{ missing + 1 }}", "'missing' is undefined", 2, 12)]
    [InlineData("{{ messages[0].content + 'x' }}", "'messages[0].content' is undefined", 1, 24)]
    [InlineData("{{ 'a'.format(1) }}", "'str' object has no supported method 'format'", 1, 8)]
    [InlineData("{{ nope() }}", "'nope' is undefined and cannot be called", 1, 4)]
    [InlineData("{{ [1].append(2) }}", "list.append() is not allowed", 1, 8)]
    [InlineData("{{ 1 // 0 }}", "division by zero", 1, 6)]
    [InlineData("{{ 'a' < 1 }}", "'<' not supported between instances of 'str' and 'int'", 1, 4)]
    [InlineData("{% for x in 5 %}{% endfor %}", "'int' object is not iterable", 1, 4)]
    [InlineData("{% set a, b = [1] %}", "cannot unpack 1 value(s) into 2 names", 1, 4)]
    [InlineData("{% set x = 1 %}{% set x.y = 2 %}", "'x' is not a namespace() object", 1, 19)]
    [InlineData("{{ '%s' % 1 }}", "printf-style string formatting", 1, 9)]
    [InlineData("{{ [1, 'a'] | sort }}", "'<' not supported between instances of", 1, 15)]
    [InlineData("{{ undefined_thing | tojson }}", "not JSON serializable", 1, 22)]
    [InlineData("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macro calls nested deeper than 64", 1, 20)]
    public void Render_TypeErrors_ThrowWithPosition(string source, string reason, int line, int column)
    {
        var e = Assert.Throws<TemplateException>(() => Render(source));
        Assert.IsNotType<TemplateRaisedException>(e);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void Render_RaiseException_ThrowsTemplateRaisedExceptionWithTheTemplatesMessage()
    {
        var e = Assert.Throws<TemplateRaisedException>(() =>
            Render("{% if true %}\n  {{ raise_exception('Conversation roles must alternate') }}{% endif %}"));
        Assert.Equal("Conversation roles must alternate", e.Reason);
        Assert.Equal((2, 6), (e.Line, e.Column));
    }

    [Fact]
    public void Render_VariableOfUnsupportedType_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => Render("{{ x }}", Vars(("x", new Uri("http://example.com")))));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_VariableNamedLikeABuiltIn_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Render("{{ messages }}", Vars(("messages", "spoofed"))));
    }
}
