using CsCheck;
using StarChat.Text.Chat;
using StarChat.Text.Templates;

namespace StarChat.Text.Tests.Templates;

/// <summary>
/// Templates are untrusted input: random token soup must either parse and render or fail with a
/// <see cref="TemplateException"/>, never with any other exception, a hang or a crash.
/// </summary>
public class TemplateFuzzTests
{
    private static readonly ChatTemplateOptions s_small = new() { MaxWork = 200_000, BaseOutputChars = 100_000 };

    private static readonly Gen<string> s_soup = Gen.OneOf(
            "{{", "}}", "{%", "%}", "{#", "#}", "-", "+", " ", "\n", "if", "elif", "else", "endif", "for", "endfor", "in",
            "set", "endset", "macro", "endmacro", "call", "endcall", "caller()", "raw", "endraw", "break", "continue",
            "x", "m", "ns", "loop", "messages", "namespace(", "range(", "=", "==", "(", ")", "[", "]", "{", "}", ":", ",",
            ".", "|", "~", "*", "**", "/", "//", "%", "'", "\"", "\\", "1", "0", "-1", "2.5", "none", "true", "not", "and",
            "or", "is", "defined", "trim", "tojson", "length", "join", "items", "upper", "loop.index", "content", "role",
            "'<|end|>'", "x * 99999", "recursive", "é", "😀")
        .Array[0, 40]
        .Select(parts => string.Concat(parts));

    [Fact]
    public void ParseAndRender_RandomTokenSoup_OnlyEverThrowsTemplateException()
    {
        var messages = new[] { ChatMessage.System("s"), ChatMessage.User("<|end|>{{ x }}"), ChatMessage.Assistant("a") };
        s_soup.Sample(source =>
        {
            try
            {
                var template = ChatTemplate.Parse(source, s_small);
                template.Render(new ChatTemplateContext(messages) { AddGenerationPrompt = true, BosToken = "<s>" });
            }
            catch (TemplateException)
            {
                // A clean, typed rejection is the expected outcome for most soups.
            }
        }, iter: 3000, threads: 1, seed: "StarChatJinja3");
    }

    [Fact]
    public void ParseAndRender_WellFormedRandomPrograms_OnlyEverThrowsTemplateException()
    {
        var expr = Gen.OneOf("x", "ns.n", "loop.index", "messages[0].content", "messages | length", "'a' ~ x", "x + 1",
            "x * 2", "[x, x]", "{'k': x}", "x | string", "range(3) | list", "x if x else 'e'", "m(x)", "x[1:]", "x is defined",
            "(x | tojson)", "x.strip()", "'%s' % x", "x // 0", "x.items()", "namespace(a=x)");
        var stmt = Gen.Select(Gen.Int[0, 6], expr, expr, (kind, a, b) => kind switch
        {
            0 => $"{{{{ {a} }}}}",
            1 => $"{{% set x = {a} %}}",
            2 => $"{{% if {a} %}}{{{{ {b} }}}}{{% else %}}e{{% endif %}}",
            3 => $"{{% for x in {a} %}}{{{{ {b} }}}}{{% endfor %}}",
            4 => $"{{% set ns.n = {a} %}}",
            5 => $"{{% macro m(x) %}}{{{{ {a} }}}}{{% endmacro %}}",
            _ => $"{{% for x in range(3) %}}{{% set x = {a} %}}{{{{ {b} }}}}{{% endfor %}}",
        });
        var program = stmt.Array[1, 8].Select(s => "{% set ns = namespace(n=0) %}{% set x = 'v' %}" + string.Concat(s));
        program.Sample(source =>
        {
            try
            {
                ChatTemplate.Parse(source, s_small).Render(new ChatTemplateContext([ChatMessage.User("u")]));
            }
            catch (TemplateException)
            {
                // Type errors in random programs are fine as long as they are typed.
            }
        }, iter: 3000, threads: 1, seed: "StarChatJinja4");
    }
}
