using System.Globalization;
using StarChat.Formats.IO;
using StarChat.Testing;

namespace StarChat.Formats.Tests.IO;

/// <summary>Prefetching a mapped file: every page touched and resident, nothing touched after the file is released.</summary>
public sealed class PageToucherTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("starchat-prefetch-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Prefetch_MappedFile_TouchesEveryPageAndMapsThem()
    {
        var bytes = new byte[8 * 1024 * 1024 + 123];
        new Random(7).NextBytes(bytes);
        string path = Path.Combine(_folder, "weights.bin");
        File.WriteAllBytes(path, bytes);

        using var source = ByteSource.OpenFile(path);
        source.Prefetch();
        var toucher = Assert.IsType<PageToucher>(source.Prefetching);
        Assert.True(toucher.Wait(TimeSpan.FromSeconds(60)), "prefetch did not finish");

        Assert.Equal((bytes.Length + 4095) / 4096, toucher.PagesTouched);
        if (OperatingSystem.IsLinux())
        {
            // The pages are in this process's page tables now, not only in the page cache.
            long residentKiB = MappingResidentKiB(path);
            Assert.True(residentKiB * 1024 >= bytes.Length - 4096, $"{residentKiB} KiB of {bytes.Length} bytes resident");
        }
        Assert.True(source.Span(0, bytes.Length).SequenceEqual(bytes));
    }

    [Fact]
    public void Dispose_WhilePrefetching_StopsTheToucherBeforeUnmapping()
    {
        string path = Path.Combine(_folder, "large.bin");
        using (var stream = File.Create(path))
            stream.SetLength(512L * 1024 * 1024);   // sparse: pages of zeros, cheap to map, long to walk

        var source = ByteSource.OpenFile(path);
        source.Prefetch();
        var toucher = Assert.IsType<PageToucher>(source.Prefetching);
        source.Dispose();   // a toucher still reading the unmapped range would crash the test host

        Assert.True(toucher.Finished);
        Assert.True(toucher.PagesTouched <= 512 * 256);
    }

    [Fact]
    public void Prefetch_CopiedBytes_IsANoOp()
    {
        using var source = ByteSource.FromBytes(new byte[10000], "copy");
        source.Prefetch();
        Assert.Null(source.Prefetching);
    }

    [Fact]
    public void PrefetchWeights_GgufFixture_PrefetchesTheMappedFile()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"));
        model.PrefetchWeights();
        var toucher = Assert.Single(model.WeightSource.Prefetches);
        Assert.True(toucher.Wait(TimeSpan.FromSeconds(60)));
        Assert.Equal((new FileInfo(model.WeightFiles[0]).Length + 4095) / 4096, toucher.PagesTouched);
    }

    // Rss of the mapping of `path` in /proc/self/smaps, in KiB.
    private static long MappingResidentKiB(string path)
    {
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-'))
                inMapping = line.EndsWith(path, StringComparison.Ordinal);
            else if (inMapping && line.StartsWith("Rss:", StringComparison.Ordinal))
                return long.Parse(line["Rss:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"{path} is not mapped");
    }
}
