using StarChat.Text.Templates;
using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

/// <summary>A template is data from a model file: its time, memory and stack use are bounded.</summary>
public class RenderLimitTests
{
    [Theory]
    [InlineData("{% for i in range(1000000000) %}{% endfor %}")]
    [InlineData("{{ 'a' * 2000000000 }}")]
    [InlineData("{{ [0] * 2000000000 }}")]
    [InlineData("{% for a in range(5000) %}{% for b in range(5000) %}{% endfor %}{% endfor %}")]
    [InlineData("{% set ns = namespace(s='abcdefgh') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")]
    [InlineData("{{ 'x'.replace('', 'y' * 1000000) }}")]
    [InlineData("{% set s = 'x' * 1000 %}{{ [s] * 100000 }}")]
    [InlineData("{% set s = 'x' * 1000 %}{{ ([s] * 100000) | tojson(indent=2) }}")]
    [InlineData("{% set s = 'x' * 1000 %}{{ ([s] * 100000) | join }}")]
    [InlineData("{% set s = 'x' * 1000 %}{{ '-'.join([s] * 100000) }}")]
    public void Render_RunawayTemplate_ThrowsLimitError(string source)
    {
        // The bound is the work and output budget (deterministic), not the wall clock.
        var e = Assert.Throws<TemplateException>(() => Render(source));
        Assert.Contains("limit", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ComparingDeeplyNestedValues_ThrowsInsteadOfOverflowingTheStack()
    {
        var e = Assert.Throws<TemplateException>(() => Render(
            "{% set ns = namespace(a=[], b=[]) %}{% for i in range(100000) %}{% set ns.a = [ns.a] %}{% set ns.b = [ns.b] %}{% endfor %}{{ ns.a == ns.b }}"));
        Assert.Contains("nested too deeply", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_OutputBeyondLimit_Throws()
    {
        var small = new ChatTemplateOptions { BaseOutputChars = 1000, OutputCharsPerInputChar = 0 };
        var e = Assert.Throws<TemplateException>(() => Render("{% for i in range(200) %}xxxxxxxxxx{% endfor %}", options: small));
        Assert.Contains("exceeds the render limit of 1,000", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LongConversation_FitsTheDefaultLimits()
    {
        // 2,000 turns of 2,000 characters (4 MB): far past any context window, still well inside the limits.
        var messages = Enumerable.Range(0, 2000).Select(i => i % 2 == 0 ? StarChat.Text.Chat.ChatMessage.User(new string('u', 2000)) : StarChat.Text.Chat.ChatMessage.Assistant(new string('a', 2000))).ToArray();
        var text = ChatTemplate.Parse(WellKnownTemplates.Llama2).RenderToString(new ChatTemplateContext(messages) { BosToken = "<s>", EosToken = "</s>" });
        Assert.Equal(4_000_000 + 1000 * "<s>[INST]  [/INST]".Length + 1000 * "  </s>".Length, text.Length);
    }

    [Fact]
    public void Render_OutputLimit_GrowsWithTheConversation()
    {
        var small = new ChatTemplateOptions { BaseOutputChars = 10, OutputCharsPerInputChar = 2 };
        string content = new('a', 1000);
        var text = Render("{% for m in messages %}{{ m.content }}{{ m.content }}{% endfor %}", messages: [StarChat.Text.Chat.ChatMessage.User(content)], options: small);
        Assert.Equal(2000, text.Length);
    }

    [Theory]
    [InlineData(5000, "(", ")")]
    [InlineData(5000, "[", "]")]
    [InlineData(5000, "not ", "")]
    [InlineData(5000, "- ", "")]
    public void Parse_DeeplyNestedExpression_ThrowsInsteadOfOverflowingTheStack(int depth, string open, string close)
    {
        string source = "{{ " + string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth)) + " }}";
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
        Assert.Contains("nested deeper than", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VeryLongOperatorChain_ThrowsInsteadOfOverflowingTheStack()
    {
        string source = "{{ 1" + string.Concat(Enumerable.Repeat(" + 1", 100_000)) + " }}";
        Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
    }

    [Fact]
    public void Parse_DeeplyNestedBlocks_ThrowsInsteadOfOverflowingTheStack()
    {
        string source = string.Concat(Enumerable.Repeat("{% if true %}", 5000)) + string.Concat(Enumerable.Repeat("{% endif %}", 5000));
        Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
    }

    [Fact]
    public void Render_DeepRecursionOnASmallStack_ThrowsTemplateExceptionInsteadOfCrashing()
    {
        // An expression nested 5000 deep under a nesting limit that admits it: far more than a 256 KiB stack holds
        // (thousands of parser frames), so the stack guard must stop it. With a nesting 90 deep the test depended on
        // JIT tiers: with optimized, smaller frames the depth limit fired first. The process must survive with a
        // typed error.
        string nested = new string('(', 5000) + "n" + new string(')', 5000);
        string source = "{% macro f(n) %}{% if n > 0 %}{{ f(" + nested + " - 1) }}{% endif %}{% endmacro %}{{ f(60) }}";
        var roomy = new ChatTemplateOptions { MaxNestingDepth = 100_000 };
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try
            {
                Render(source, options: roomy);
            }
            catch (Exception e)
            {
                caught = e;
            }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        var e = Assert.IsType<TemplateException>(caught);
        Assert.Contains("stack", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ModerateNesting_IsAccepted()
    {
        string source = "{{ " + new string('(', 40) + "1" + new string(')', 40) + " + 1 }}";
        Assert.Equal("2", Render(source));
    }
}
