using static StarChat.Text.Tests.Templates.TemplateKit;

namespace StarChat.Text.Tests.Templates;

public class SanityTests
{
    [Fact]
    public void Render_Hello_Works()
    {
        Assert.Equal("Hello 3 ab", Render("Hello {{ 1 + 2 }} {{ 'a' ~ 'b' }}"));
    }
}
