namespace StarChat.Formats.IO;

/// <summary>
/// Reads one byte of every page of a mapped range on a background thread, so the kernel maps the pages (and reads
/// any that are not cached) while the caller does other work: llama.cpp gets the same from <c>MAP_POPULATE</c>, at
/// the cost of doing it before the model is usable. A model's first forward pass otherwise takes a page fault per
/// few pages of weights on its compute threads. <see cref="Stop"/> must be called before the range is unmapped.
/// </summary>
internal sealed unsafe class PageToucher
{
    private const int PageBytes = 4096;
    // How often the loop looks at the stop flag: every 1 MiB.
    private const int PagesPerCheck = 256;

    private readonly byte* _start;
    private readonly long _length;
    private readonly Thread _thread;
    private volatile bool _stop;

    private PageToucher(byte* start, long length)
    {
        _start = start;
        _length = length;
        _thread = new Thread(Run) { IsBackground = true, Name = "StarChat page prefetch" };
    }

    /// <summary>Pages touched so far (tests watch it reach the whole range).</summary>
    public long PagesTouched { get; private set; }

    /// <summary>True once every page has been touched or the toucher was stopped.</summary>
    public bool Finished => !_thread.IsAlive;

    /// <summary>Starts touching <c>[start, start + length)</c>.</summary>
    public static PageToucher Start(byte* start, long length)
    {
        var toucher = new PageToucher(start, length);
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
        int sum = 0;
        long pages = 0;
        for (long offset = 0; offset < _length && !_stop; )
        {
            long end = Math.Min(_length, offset + (long)PagesPerCheck * PageBytes);
            for (; offset < end; offset += PageBytes, pages++)
                sum += Volatile.Read(ref _start[offset]);
            PagesTouched = pages;
        }
        GC.KeepAlive(sum);
    }
}
