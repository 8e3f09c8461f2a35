using StarChat.Text.Templates;
using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

/// <summary>Whitespace handling as Jinja does it with Hugging Face's trim_blocks=True, lstrip_blocks=True.</summary>
public class WhitespaceControlTests
{
    [Theory]
    // trim_blocks: the newline right after a block tag goes, after an expression tag it stays.
    [InlineData("{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter")]
    [InlineData("{{ 'a' }}\nb", "a\nb")]
    // lstrip_blocks: indentation before a block tag goes, before an expression tag it stays.
    [InlineData("  {% if true %}\n    x\n  {% endif %}\nend", "    x\nend")]
    [InlineData("  {{ 'x' }}", "  x")]
    [InlineData("a {% if true %}b{% endif %}", "a b")]
    [InlineData("\t {% for i in [1, 2] %}\n{{ i }}\n\t {% endfor %}\n", "1\n2\n")]
    // '-' strips all whitespace, newlines included, on its side.
    [InlineData("a  \n  {{- 'b' -}}  \n  c", "abc")]
    [InlineData("a\n\n{%- if true -%}\n\n b {%- endif %}", "ab")]
    // '+' turns lstrip_blocks (before) or trim_blocks (after) off for one tag.
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    // Comments vanish, and trim_blocks/lstrip_blocks apply to them too.
    [InlineData("a{# note #}\nb", "ab")]
    [InlineData("  {# note #}\nx", "x")]
    [InlineData("a {#- note -#} b", "ab")]
    [InlineData("{# {{ not_rendered }} {% if %} #}ok", "ok")]
    // raw blocks are literal.
    [InlineData("{% raw %}{{ x }}{% if %}{% endraw %}", "{{ x }}{% if %}")]
    // A single trailing newline of the source is dropped (keep_trailing_newline=False).
    [InlineData("x\n", "x")]
    [InlineData("x\n\n", "x\n")]
    [InlineData("a\r\nb", "a\nb")]
    // Delimiters inside string literals and balanced brackets do not end a tag.
    [InlineData("{{ '}}' }}{{ {'a': {'b': 1}}['a']['b'] }}{% if '%}' %}!{% endif %}", "}}1!")]
    // A lone brace is text.
    [InlineData("{ x } {x}", "{ x } {x}")]
    public void Render_WhitespaceControl_MatchesJinja(string source, string expected)
    {
        Assert.Equal(expected, Render(source));
    }

    [Fact]
    public void Render_TrimAndLstripOff_KeepsAllWhitespace()
    {
        var plain = new ChatTemplateOptions { TrimBlocks = false, LstripBlocks = false };
        Assert.Equal("  \nx\n  \n", Render("  {% if true %}\nx\n  {% endif %}\n\n", options: plain));
    }

    [Fact]
    public void Render_KeepTrailingNewline_KeepsIt()
    {
        Assert.Equal("x\n", Render("x\n", options: new ChatTemplateOptions { KeepTrailingNewline = true }));
    }
}
