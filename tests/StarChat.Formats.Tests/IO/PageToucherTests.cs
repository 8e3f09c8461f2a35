using System.Globalization;
using StarChat.Formats.IO;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.IO;

/// <summary>
/// Prefetching ranges of a mapped file: their pages touched and mapped, the rest of the file not, nothing touched after
/// the file is released.
/// </summary>
public sealed class PageToucherTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Prefetch_WholeFile_TouchesEveryPageAndMapsThem()
    {
        var bytes = new byte[8 * 1024 * 1024 + 123];
        new Random(7).NextBytes(bytes);
        string path = _temp.File("weights.bin", bytes);

        using var source = ByteSource.OpenFile(path);
        source.Prefetch([(0, bytes.Length)]);
        var toucher = Assert.IsType<PageToucher>(source.Prefetching);
        Assert.True(toucher.Wait(TimeSpan.FromSeconds(60)), "prefetch did not finish");

        Assert.Equal((bytes.Length + 4095) / 4096, toucher.PagesTouched);
        // One madvise(MADV_POPULATE_READ) per mebibyte where the kernel has it (5.14), not a fault per few pages.
        Assert.Equal(OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 14), toucher.Populated);
        if (OperatingSystem.IsLinux())
        {
            // The pages are in this process's page tables now, not only in the page cache.
            long residentKiB = MappingResidentKiB(path);
            Assert.True(residentKiB * 1024 >= bytes.Length - 4096, $"{residentKiB} KiB of {bytes.Length} bytes resident");
        }
        Assert.True(source.Span(0, bytes.Length).SequenceEqual(bytes));
    }

    [Fact]
    public void Prefetch_TwoRanges_MapsThoseAndLeavesTheRestOfTheFile()
    {
        const int MiB = 1024 * 1024;
        // Written 64 KiB at a time, so that the page cache holds no 2 MiB folios (one written whole could be mapped
        // whole, past the ranges: see ChunkAlignedWriteStream).
        string path = Path.Combine(_temp.Path, "tensors.bin");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            var piece = new byte[64 * 1024];
            for (int written = 0; written < 32 * MiB; written += piece.Length)
                stream.Write(piece);
        }

        using var source = ByteSource.OpenFile(path);
        // A range that starts mid-page is touched from the start of its page.
        source.Prefetch([(20 * MiB, 2 * MiB), (3 * MiB + 100, MiB)]);
        var toucher = Assert.IsType<PageToucher>(source.Prefetching);
        Assert.True(toucher.Wait(TimeSpan.FromSeconds(60)), "prefetch did not finish");

        Assert.Equal(512 + 257, toucher.PagesTouched);
        if (OperatingSystem.IsLinux())
        {
            // Each fault maps the pages around it too (fault-around, 64 KiB by default): a little past each range.
            long residentKiB = MappingResidentKiB(path);
            Assert.InRange(residentKiB, 3 * 1024, 3 * 1024 + 512);
        }
    }

    [Fact]
    public void Prefetch_RangeOutsideTheFile_Throws()
    {
        string path = _temp.File("small.bin", new byte[10000]);
        using var source = ByteSource.OpenFile(path);
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Prefetch([(8192, 4096)]));
        Assert.Null(source.Prefetching);
    }

    [Fact]
    public void Dispose_WhilePrefetching_StopsTheToucherBeforeUnmapping()
    {
        string path = Path.Combine(_temp.Path, "large.bin");
        using (var stream = File.Create(path))
            stream.SetLength(512L * 1024 * 1024);   // sparse: pages of zeros, cheap to map, long to walk

        var source = ByteSource.OpenFile(path);
        source.Prefetch([(0, source.Length)]);
        var toucher = Assert.IsType<PageToucher>(source.Prefetching);
        source.Dispose();   // a toucher still reading the unmapped range would crash the test host

        Assert.True(toucher.Finished);
        Assert.True(toucher.PagesTouched <= 512 * 256);
    }

    [Fact]
    public void Prefetch_CopiedBytes_IsANoOp()
    {
        using var source = ByteSource.FromBytes(new byte[10000], "copy");
        source.Prefetch([(0, 10000)]);
        Assert.Null(source.Prefetching);
    }

    [Fact]
    public void PrefetchWeights_GgufFixture_TouchesTheTensorsPages()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"));
        var tensors = new[] { "transformer.h.1.mlp.c_fc.weight", "transformer.h.0.attn.c_attn.weight" }.Select(model.Weights.Get).ToList();
        model.PrefetchWeights(tensors);

        var toucher = Assert.Single(model.WeightSource.Prefetches);
        Assert.True(toucher.Wait(TimeSpan.FromSeconds(60)));
        long pages = 0;
        foreach (var t in tensors)
        {
            long start = (long)t.Address / 4096, end = ((long)t.Address + t.ByteLength + 4095) / 4096;
            pages += end - start;
        }
        Assert.Equal(pages, toucher.PagesTouched);
    }

    // Rss of the mapping of `path` in /proc/self/smaps, in KiB.
    private static long MappingResidentKiB(string path)
        => long.Parse(ProcSmaps.Field(path, "Rss:").Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
}
