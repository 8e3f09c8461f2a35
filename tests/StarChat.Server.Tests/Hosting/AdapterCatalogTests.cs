using StarChat.Generation;
using StarChat.Server.Hosting;
using StarChat.Server.Requests;

namespace StarChat.Server.Tests.Hosting;

public sealed class AdapterCatalogTests
{
    private static readonly SelectableAdapter s_sql = new("sql", 1, "/adapters/sql", 1f);
    private static readonly SelectableAdapter s_rust = new("rust", 2, "/adapters/rust", 0.5f);
    private readonly AdapterCatalog _catalog = new("starchat", [s_sql, s_rust]);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("starchat")]
    [InlineData("tgi")]
    public void ForModel_BaseIdOrNone_NoAdapter(string? model) => Assert.Null(_catalog.ForModel(model));

    [Fact]
    public void ForModel_AdapterName_ThatAdapter() => Assert.Same(s_rust, _catalog.ForModel("rust"));

    [Fact]
    public void ForModel_Unknown_ThrowsNamingItAndTheLoadedOnes()
    {
        var e = Assert.Throws<UnknownAdapterException>(() => _catalog.ForModel("gpt-4"));
        Assert.Equal("model", e.Param);
        Assert.Equal("LoRA adapter 'gpt-4' is not loaded; loaded adapters: sql, rust", e.Message);
    }

    [Fact]
    public void ForModel_NoAdaptersLoaded_AnyIdMeansTheBaseModel()
        => Assert.Null(new AdapterCatalog("starchat", []).ForModel("gpt-3.5-turbo"));

    [Fact]
    public void ForAdapterId_NoAdaptersLoaded_UnknownIdThrowsSayingSo()
    {
        var e = Assert.Throws<UnknownAdapterException>(() => new AdapterCatalog("starchat", []).ForAdapterId("sql"));
        Assert.Equal("adapter_id", e.Param);
        Assert.Contains("has none", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_AdapterNamedLikeTheBaseModel_Throws()
        => Assert.Throws<ArgumentException>(() => new AdapterCatalog("sql", [s_sql]));
}
