using StarChat.Formats.Hub;

namespace StarChat.Formats.Tests.Hub;

/// <summary>Environment variables as huggingface_hub's constants.py reads them, and the --model id grammar.</summary>
public sealed class HubSettingsAndIdTests
{
    private static HubSettings From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return HubSettings.FromEnvironment(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void FromEnvironment_HfHome_CacheIsHubBelowIt()
    {
        var s = From(("HF_HOME", "/data/hf"));
        Assert.Equal(Path.Combine("/data/hf", "hub"), s.CacheDirectory);
        Assert.Equal("https://huggingface.co", s.Endpoint);
        Assert.False(s.Offline);
    }

    [Fact]
    public void FromEnvironment_HfHubCacheAndEndpoint_Override()
    {
        var s = From(("HF_HOME", "/data/hf"), ("HF_HUB_CACHE", "/fast/cache"), ("HF_ENDPOINT", "https://mirror.example/"), ("HF_TOKEN", "hf_x"));
        Assert.Equal("/fast/cache", s.CacheDirectory);
        Assert.Equal("https://mirror.example", s.Endpoint);
        Assert.Equal("hf_x", s.Token);
    }

    [Fact]
    public void FromEnvironment_XdgCacheHome_UsedWithoutHfHome()
        => Assert.Equal(Path.Combine("/xdg", "huggingface", "hub"), From(("XDG_CACHE_HOME", "/xdg")).CacheDirectory);

    [Fact]
    public void FromEnvironment_TokenFileInHfHome_Read()
    {
        string home = Path.Combine(Path.GetTempPath(), $"starchat-hfhome-{Guid.NewGuid():N}");
        Directory.CreateDirectory(home);
        try
        {
            File.WriteAllText(Path.Combine(home, "token"), "hf_from_file\n");
            Assert.Equal("hf_from_file", From(("HF_HOME", home)).Token);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("0", false)]
    [InlineData("", false)]
    public void FromEnvironment_HfHubOffline_TrueValuesAsPython(string value, bool offline)
        => Assert.Equal(offline, From(("HF_HOME", "/h"), ("HF_HUB_OFFLINE", value)).Offline);

    [Theory]
    [InlineData("bigcode/starcoder", "bigcode/starcoder", "main", null)]
    [InlineData("HuggingFaceH4/starchat-alpha@v1.0", "HuggingFaceH4/starchat-alpha", "v1.0", null)]
    [InlineData("org/name@refs/pr/1", "org/name", "refs/pr/1", null)]
    [InlineData("TheBloke/starcoder-GGUF/starcoder.Q4_K_M.gguf", "TheBloke/starcoder-GGUF", "main", "starcoder.Q4_K_M.gguf")]
    [InlineData("org/name/sub/dir/m.gguf@0123456789abcdef0123456789abcdef01234567", "org/name", "0123456789abcdef0123456789abcdef01234567", "sub/dir/m.gguf")]
    public void TryParse_HubIds_Split(string text, string repo, string revision, string? file)
    {
        Assert.True(HubModelId.TryParse(text, out var id));
        Assert.Equal(new HubModelId(repo, revision, file), id);
    }

    [Theory]
    [InlineData("/abs/path/model")]
    [InlineData("model.gguf")]
    [InlineData("./org/name")]
    [InlineData("org/name/model.safetensors")]
    [InlineData("org/name@")]
    [InlineData("org/../x.gguf")]
    [InlineData("org/name/../../x.gguf")]
    public void TryParse_NotHubIds_False(string text) => Assert.False(HubModelId.TryParse(text, out _));
}
