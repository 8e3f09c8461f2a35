namespace StarChat.Formats.IO;

/// <summary>
/// Maps every page of some ranges of a mapping on a background thread, so the kernel maps the pages (and reads any
/// that are not cached) while the caller does other work: llama.cpp gets the same from <c>MAP_POPULATE</c>, at the
/// cost of doing it before the model is usable. A model's first forward pass otherwise takes a page fault per few
/// pages of weights on its compute threads. <see cref="Stop"/> must be called before the range is unmapped.
/// </summary>
/// <remarks>
/// On Linux 5.14 and later each mebibyte is mapped by one <c>madvise(MADV_POPULATE_READ)</c>, as <c>MAP_POPULATE</c>
/// does it, instead of a fault per page (fault-around maps 16 pages per fault): on this project's virtual machines a
/// fault is dear, and touching a 2.2 GiB F16 file's pages took 1.1 s of a core against 0.07 s populated, time
/// the toucher had taken from a 2-core machine's compute threads. Elsewhere it reads one byte of every page.
/// </remarks>
internal sealed unsafe class PageToucher
{
    private const int PageBytes = 4096;
    // How often the loop looks at the stop flag: every 1 MiB.
    private const int PagesPerCheck = 256;

    private readonly byte* _base;
    private readonly (long Offset, long Length)[] _ranges;
    private readonly Thread _thread;
    private volatile bool _stop;

    private PageToucher(byte* @base, (long Offset, long Length)[] ranges)
    {
        _base = @base;
        _ranges = ranges;
        _thread = new Thread(Run) { IsBackground = true, Name = "StarChat page prefetch" };
    }

    /// <summary>Pages touched so far (tests watch it reach the whole range).</summary>
    public long PagesTouched { get; private set; }

    /// <summary>True when the pages were mapped by <c>MADV_POPULATE_READ</c> rather than touched.</summary>
    public bool Populated { get; private set; }

    /// <summary>True once every page has been touched or the toucher was stopped.</summary>
    public bool Finished => !_thread.IsAlive;

    /// <summary>Starts touching the pages of <paramref name="ranges"/> (offsets from <paramref name="base"/>), in order.</summary>
    public static PageToucher Start(byte* @base, IEnumerable<(long Offset, long Length)> ranges)
    {
        var toucher = new PageToucher(@base, [.. ranges]);
        toucher._thread.Start();
        return toucher;
    }

    /// <summary>Stops the thread and waits for it, so the range may be unmapped.</summary>
    public void Stop()
    {
        _stop = true;
        _thread.Join();
    }

    /// <summary>Waits for the whole range (tests).</summary>
    public bool Wait(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        long pages = 0;
        var populate = Populate.Try;   // MemoryAdvice answers Unsupported off Linux
        foreach (var (rangeOffset, rangeLength) in _ranges)
        {
            // From the page the range starts in: one byte of each page maps all of it.
            long offset = rangeOffset - rangeOffset % PageBytes, limit = rangeOffset + rangeLength;
            while (offset < limit)
            {
                if (_stop)
                    return;
                long end = Math.Min(limit, offset + (long)PagesPerCheck * PageBytes);
                long chunkPages = (end - offset + PageBytes - 1) / PageBytes;
                if (populate != Populate.No)
                {
                    populate = PopulateRead(_base + offset, end - offset);
                    if (populate == Populate.Failed)
                        return;   // e.g. the file shrank under the mapping: touching would raise SIGBUS
                    Populated = populate == Populate.Try;
                }
                if (populate == Populate.No)
                {
                    for (long page = offset; page < end; page += PageBytes)
                        Volatile.Read(ref _base[page]);   // a volatile read is never optimized away
                }
                pages += chunkPages;
                offset += chunkPages * PageBytes;
                PagesTouched = pages;
            }
        }
    }

    private enum Populate { Try, No, Failed }

    // Populate.Try while madvise works; Populate.No where this kernel or C library has no MADV_POPULATE_READ (the caller
    // touches the pages instead); Populate.Failed when the range cannot be mapped.
    private static Populate PopulateRead(byte* start, long length) => MemoryAdvice.Advise(start, length, MemoryAdvice.PopulateRead) switch
    {
        MemoryAdvice.Outcome.Done => Populate.Try,
        MemoryAdvice.Outcome.Unsupported => Populate.No,
        _ => Populate.Failed,
    };
}
