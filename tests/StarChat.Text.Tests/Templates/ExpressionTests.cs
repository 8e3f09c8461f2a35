using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

/// <summary>Literals, operators and access rules, against what Jinja (Python semantics) prints.</summary>
public class ExpressionTests
{
    [Theory]
    [InlineData("{{ 'a\\nb' }}", "a\nb")]
    [InlineData("{{ \"it's\" }}{{ 'it\\'s' }}", "it'sit's")]
    [InlineData("{{ '\\x41\\u00e9\\U0001F600\\t|' }}", "Aé😀\t|")]
    [InlineData("{{ '\\d\\\\' }}", "\\d\\")]
    [InlineData("{{ 'a' 'b' }}", "ab")]
    [InlineData("{{ 42 }} {{ -7 }} {{ 1_000 }} {{ 0x1F }}", "42 -7 1000 31")]
    [InlineData("{{ 1.0 }} {{ 2.5 }} {{ 1e20 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 123456789.0 * 10 }}", "1.0 2.5 1e+20 1e-05 0.30000000000000004 1e+16 1234567890.0")]
    [InlineData("{{ true }} {{ False }} {{ none }} {{ None }}", "True False None None")]
    [InlineData("{{ [1, 'a', none, true] }}", "[1, 'a', None, True]")]
    [InlineData("{{ (1,) }} {{ (1, 2) }} {{ () }}", "(1,) (1, 2) ()")]
    [InlineData("{{ {'a': 1, 'b': [\"it's\"]} }}", "{'a': 1, 'b': [\"it's\"]}")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ 6 / 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }}", "3 -4 3.5 3.0 2 -2 1024 0.5")]
    [InlineData("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 * 3 ** 2 }} {{ -2 ** 2 }}", "7 9 18 4")]
    [InlineData("{{ 'ab' * 3 }} {{ 2 * 'x' }} {{ [1] * 2 }} {{ [1] + [2] }}", "ababab xx [1, 1] [1, 2]")]
    [InlineData("{{ 'a' ~ 2 * 3 }} {{ 'x' + 'a' ~ 'b' }} {{ 1 ~ none ~ missing ~ true }}", "a6 xab 1NoneTrue")]
    [InlineData("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' != 'a' }}", "True False True True True True False")]
    [InlineData("{{ 'a' in 'cat' }} {{ 3 not in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 1 in [1.0] }} {{ 'x' in missing }}", "True True True True False")]
    [InlineData("{{ 0 or 'x' }} {{ 1 and 0 }} {{ '' or none }} {{ not none }} {{ not 'a' }} {{ [] and 1 }}", "x 0 None True False []")]
    [InlineData("{{ 'y' if 1 > 0 else 'n' }}{{ 'y' if false }}|{{ 'a' if false else 'b' if true else 'c' }}", "y|b")]
    [InlineData("{{ 'hello'[1:] }} {{ 'hello'[::-1] }} {{ 'hello'[:-1] }} {{ 'abcdef'[::2] }} {{ 'abc'[5:] }}|{{ 'abc'[-1] }}", "ello olleh hell ace |c")]
    [InlineData("{{ [1, 2, 3, 4][1:3] }} {{ [1, 2, 3][-2:] }} {{ [1, 2, 3][::-1] }} {{ [1, 2, 3, 4, 5][4:0:-2] }} {{ (1, 2, 3)[1:] }}", "[2, 3] [2, 3] [3, 2, 1] [5, 3] (2, 3)")]
    [InlineData("{{ {'a': {'b': 'x'}}.a.b }} {{ {'a': 1}['a'] }} {{ [10, 20][-1] }} {{ [10, 20].1 }} {{ {'a': 1}.get('a') }} {{ {'a': 1}.get('z', 'd') }}", "x 1 20 20 1 d")]
    [InlineData("{{ -1 | abs }} {{ [1, 2, 3] | length > 2 }} {{ 'ab' | upper ~ 'c' }}", "1 True ABc")]
    public void Render_Expression_MatchesPythonSemantics(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }

    [Theory]
    // Undefined is lenient: empty when printed, falsy, empty when iterated, and anything of it is undefined too.
    [InlineData("[{{ missing }}][{{ missing.attr.deeper }}][{{ missing['k'][0] }}][{{ [1][5] }}][{{ {}.nokey }}]", "[][][][][]")]
    [InlineData("{{ missing is defined }} {{ missing is undefined }} {{ missing.x is defined }} {{ [1][0] is defined }}", "False True False True")]
    [InlineData("{% if missing %}a{% else %}b{% endif %}{% for x in missing %}x{% endfor %}{{ missing | length }}", "b0")]
    [InlineData("{{ missing == missing }} {{ missing == none }} {{ missing | default('d') }}", "True False d")]
    public void Render_Undefined_IsLenient(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }

    [Theory]
    [InlineData("{{ 'a' is string }} {{ 1 is string }} {{ none is none }} {{ 0 is not none }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }}", "True False True True True True True")]
    [InlineData("{{ {} is mapping }} {{ [] is mapping }} {{ [] is iterable }} {{ 'x' is sequence }} {{ true is boolean }} {{ 1 is boolean }}", "True False True True True False")]
    [InlineData("{{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ 3 is odd }} {{ 4 is even }} {{ false is sameas false }} {{ 0 is sameas false }}", "True False True True True False")]
    [InlineData("{{ 1 is eq 1 }} {{ 2 is gt(1) }} {{ 'ab' is lower }} {{ 'AB' is upper }} {{ 2 is in [1, 2] }} {{ range is callable }}", "True True True True True True")]
    [InlineData("{{ 'x' if missing is not defined else 'y' }}", "x")]
    public void Render_Tests_MatchJinja(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }
}
