namespace StarChat.Formats.IO;

/// <summary>
/// Reads one byte of every page of some ranges of a mapping on a background thread, so the kernel maps the pages (and reads
/// any that are not cached) while the caller does other work: llama.cpp gets the same from <c>MAP_POPULATE</c>, at
/// the cost of doing it before the model is usable. A model's first forward pass otherwise takes a page fault per
/// few pages of weights on its compute threads. <see cref="Stop"/> must be called before the range is unmapped.
/// </summary>
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
        foreach (var (rangeOffset, rangeLength) in _ranges)
        {
            // From the page the range starts in: one byte of each page maps all of it.
            long offset = rangeOffset - rangeOffset % PageBytes, limit = rangeOffset + rangeLength;
            while (offset < limit)
            {
                if (_stop)
                    return;
                long end = Math.Min(limit, offset + (long)PagesPerCheck * PageBytes);
                for (; offset < end; offset += PageBytes, pages++)
                    Volatile.Read(ref _base[offset]);   // a volatile read is never optimized away
                PagesTouched = pages;
            }
        }
    }
}
