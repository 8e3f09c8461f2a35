using StarChat.Testing;

namespace StarChat.Text.Tests;

public class SmokeTests
{
    [Fact]
    public void SharedFolder_IsFound()
    {
        Assert.True(Directory.Exists(SharedPaths.Data("tokenizer")));
    }
}
