using System.Diagnostics;
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
    public void Render_RunawayTemplate_ThrowsLimitErrorQuickly(string source)
    {
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<TemplateException>(() => Render(source));
        Assert.Contains("limit", e.Reason, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Render_OutputBeyondLimit_Throws()
    {
        var small = new ChatTemplateOptions { BaseOutputChars = 1000, OutputCharsPerInputChar = 0 };
        var e = Assert.Throws<TemplateException>(() => Render("{% for i in range(200) %}xxxxxxxxxx{% endfor %}", options: small));
        Assert.Contains("exceeds the render limit of 1,000", e.Reason, StringComparison.Ordinal);
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
    public void Render_ModerateNesting_IsAccepted()
    {
        string source = "{{ " + new string('(', 40) + "1" + new string(')', 40) + " + 1 }}";
        Assert.Equal("2", Render(source));
    }
}
