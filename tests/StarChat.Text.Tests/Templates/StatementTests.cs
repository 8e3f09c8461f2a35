using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

/// <summary>for/if/set, loop variables, namespaces and scoping.</summary>
public class StatementTests
{
    [Theory]
    [InlineData("{% if 0 %}a{% elif '' %}b{% elif [1] %}c{% else %}d{% endif %}", "c")]
    [InlineData("{% if false %}a{% else %}b{% endif %}{% if true %}c{% endif %}", "bc")]
    [InlineData("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
        "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|")]
    [InlineData("{% for x in [1, 2, 3] %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }};{% endfor %}", "<1>2;1<2>3;2<3>;")]
    [InlineData("{% for x in [1, 2, 3, 4] if x is even %}{{ loop.index }}:{{ x }}/{{ loop.length }} {% endfor %}", "1:2/2 2:4/2 ")]
    [InlineData("{% for x in [] %}a{% else %}empty{% endfor %}{% for x in [1] if x > 5 %}a{% else %}none kept{% endfor %}", "emptynone kept")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in {'c': 3} | items %}{{ k }}={{ v }}{% endfor %}", "a=1;b=2;c=3")]
    [InlineData("{% for (a, b) in [[1, 2], [3, 4]] %}{{ a + b }},{% endfor %}{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}", "3,7,xy")]
    [InlineData("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", "0134")]
    [InlineData("{% for x in range(1, 10, 3) %}{{ x }}{% endfor %}{% for x in range(3, 0, -1) %}{{ x }}{% endfor %}", "147321")]
    [InlineData("{% for x in 'abcd' %}{{ loop.cycle('o', 'e') }}{% endfor %}", "oeoe")]
    [InlineData("{% for row in [[1, 2], [3]] %}{% for x in row %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}", "121;12;")]
    [InlineData("{% set x = 1 %}{% set y = x + 1 %}{{ x }}{{ y }}{% set a, b = 'p', 'q' %}{{ a }}{{ b }}", "12pq")]
    // A set inside a loop does not leak out; a namespace carries state.
    [InlineData("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", "23|1")]
    [InlineData("{% set ns = namespace(found=false, n=0) %}{% for i in [1, 2, 3] %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.found }} {{ ns.n }} {{ ns['n'] }}", "True 6 6")]
    [InlineData("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}", "12False")]
    [InlineData("{% if true %}{% set inside = 'kept' %}{% endif %}{{ inside }}", "kept")]
    [InlineData("{% set block %}hi {{ 1 + 1 }}{% endset %}[{{ block }}]", "[hi 2]")]
    [InlineData("{% generation %}reply{% endgeneration %}", "reply")]
    [InlineData("{% set d = dict(a=1, b='x') %}{{ d.a }}{{ d['b'] }}", "1x")]
    [InlineData("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', '?') }} {{ greet(name='Cy', punct='.') }}", "Hi Ann! Hi Bob? Hi Cy.")]
    [InlineData("{% macro count(n) %}{{ n }}{% if n > 0 %}{{ count(n - 1) }}{% endif %}{% endmacro %}{{ count(3) }}", "3210")]
    [InlineData("{% set x = 'top' %}{% macro show() %}{{ x }}{% set x = 'inner' %}{{ x }}{% endmacro %}{{ show() }}{{ x }}", "topinnertop")]
    [InlineData("{% set x = 'top' %}{% macro show() %}[{{ x }}]{% endmacro %}{% set x = 'later' %}{{ show() }}", "[later]")]
    [InlineData("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}", "1(2, 3){'k': 4}")]
    [InlineData("{% macro m(a, b=a ~ '!') %}{{ b }}{% endmacro %}{{ m('x') }}", "x!")]
    [InlineData("{% for i in [1, 2] %}{% macro m() %}{{ i }}{% endmacro %}{{ m() }}{% endfor %}", "12")]
    [InlineData("{% macro m() %}{{ loop is defined }}{% endmacro %}{% for i in [1] %}{{ m() }}{% endfor %}", "False")]
    [InlineData("{% macro m() %}\n  x\n{% endmacro %}[{{ m() }}]", "[  x\n]")]
    [InlineData("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold{% endcall %}", "<b>bold</b>")]
    [InlineData("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) each([1, 2]) %}[{{ item }}]{% endcall %}", "[1][2]")]
    [InlineData("{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(*[1, 2]) }}{{ m(**{'a': 3, 'b': 4}) }}{{ m(5, **{'b': 6}) }}", "123456")]
    [InlineData("{{ range(*[3]) | list }} {{ dict(**{'k': 1}) }}", "[0, 1, 2] {'k': 1}")]
    public void Render_Statement_MatchesJinja(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }

    [Fact]
    public void Render_MessagesAndSpecialTokens_AreVisible()
    {
        var text = ChatTemplateRender("{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m['content'] }};{% endfor %}{{ add_generation_prompt }}{{ eos_token is defined }}{{ tools is none }}");
        Assert.Equal("<s>user:hi;assistant:yo;TrueFalseTrue", text);
    }

    [Fact]
    public void Render_Variables_ConvertDataAndJson()
    {
        using var json = System.Text.Json.JsonDocument.Parse("""{"name": "get_weather", "args": [1, 2.5, true, null]}""");
        var vars = Vars(("tool", json.RootElement.Clone()), ("flag", true), ("n", 3), ("list", new[] { "a", "b" }),
            ("map", new Dictionary<string, object?> { ["k"] = "v" }));
        Assert.Equal("get_weather [1, 2.5, True, None] True 3 a,b v",
            Render("{{ tool.name }} {{ tool.args }} {{ flag }} {{ n }} {{ list | join(',') }} {{ map.k }}", vars));
    }

    [Fact]
    public void Render_MessageFields_AddToolCallsAndStructuredContent()
    {
        using var call = System.Text.Json.JsonDocument.Parse("""[{"function": {"name": "f", "arguments": {"x": 1}}}]""");
        using var parts = System.Text.Json.JsonDocument.Parse("""[{"type": "text", "text": "hi"}]""");
        var context = new StarChat.Text.Templates.ChatTemplateContext([StarChat.Text.Chat.ChatMessage.User(""), StarChat.Text.Chat.ChatMessage.Assistant("")])
        {
            MessageFields = [new Dictionary<string, object?> { ["content"] = parts.RootElement.Clone() }, new Dictionary<string, object?> { ["tool_calls"] = call.RootElement.Clone() }],
        };
        var text = StarChat.Text.Templates.ChatTemplate.Parse(
            "{% for m in messages %}{% if m.content is string %}{{ m.content }}{% else %}{{ m.content[0].text }}{% endif %}{% if 'tool_calls' in m %}{{ m.tool_calls[0].function.name }}{{ m.tool_calls[0].function.arguments | tojson }}{% endif %};{% endfor %}")
            .RenderToString(context);
        Assert.Equal("hi;f{\"x\": 1};", text);
    }

    [Fact]
    public void Render_MessageFieldsOverridingRole_Throws()
    {
        var context = new StarChat.Text.Templates.ChatTemplateContext([StarChat.Text.Chat.ChatMessage.User("x")])
        {
            MessageFields = [new Dictionary<string, object?> { ["role"] = "system" }],
        };
        Assert.Throws<ArgumentException>(() => StarChat.Text.Templates.ChatTemplate.Parse("{{ messages }}").Render(context));
    }

    [Fact]
    public void Render_StrftimeNow_FormatsContextTime()
    {
        Assert.Equal("26 Jul 2024 15:04:05 Friday July", Render("{{ strftime_now('%d %b %Y %H:%M:%S %A %B') }}"));
    }

    private static string ChatTemplateRender(string source) =>
        StarChat.Text.Templates.ChatTemplate.Parse(source).RenderToString(
            new StarChat.Text.Templates.ChatTemplateContext([StarChat.Text.Chat.ChatMessage.User("hi"), StarChat.Text.Chat.ChatMessage.Assistant("yo")])
            {
                AddGenerationPrompt = true,
                BosToken = "<s>",
            });
}
