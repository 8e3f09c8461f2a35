using StarChat.Engine.Threading;

namespace StarChat.Engine.Tests.Threading;

public class WorkerPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void ParallelFor_ManyCalls_CoversEveryIndexExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads, spin: TimeSpan.FromMicroseconds(20));
        var hits = new int[1000];
        var random = new Random(42);
        for (int call = 0; call < 2000; call++)
        {
            int count = random.Next(0, hits.Length);
            int grain = random.Next(1, 40);
            Array.Clear(hits);
            pool.ParallelFor(count, grain, new CountingBody(hits));
            for (int i = 0; i < hits.Length; i++)
                Assert.True(hits[i] == (i < count ? 1 : 0), $"call {call}: index {i} hit {hits[i]} times (count {count}, grain {grain})");
        }
    }

    [Fact]
    public void ParallelFor_Ranges_RespectGrain()
    {
        using var pool = new WorkerPool(3);
        int tooLong = 0;
        pool.ParallelFor(1000, 7, (start, end) =>
        {
            if (end - start > 7 || end <= start)
                Interlocked.Increment(ref tooLong);
        });
        Assert.Equal(0, tooLong);
    }

    [Fact]
    public void ParallelFor_UsesWorkerThreads()
    {
        using var pool = new WorkerPool(3, spin: TimeSpan.FromMilliseconds(5));
        var threads = new HashSet<int>();
        for (int call = 0; call < 200 && threads.Count < 2; call++)
        {
            pool.ParallelFor(64, 1, (_, _) =>
            {
                Thread.SpinWait(2000);
                lock (threads)
                    threads.Add(Environment.CurrentManagedThreadId);
            });
        }
        Assert.True(threads.Count >= 2, "no worker thread ever took a range");
    }

    [Fact]
    public void ParallelFor_BodyThrows_RethrowsOnCallerAndStaysUsable()
    {
        using var pool = new WorkerPool(3, spin: TimeSpan.FromMicroseconds(20));
        for (int round = 0; round < 50; round++)
        {
            var e = Assert.Throws<InvalidOperationException>(() => pool.ParallelFor(100, 1, (start, _) =>
            {
                if (start == 37)
                    throw new InvalidOperationException("range 37");
            }));
            Assert.Equal("range 37", e.Message);
        }
        var hits = new int[100];
        pool.ParallelFor(100, 3, new CountingBody(hits));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public async Task ParallelFor_AfterWorkersParked_WakesThemWithoutDeadlock()
    {
        using var pool = new WorkerPool(3, spin: TimeSpan.Zero);
        var run = Task.Run(() =>
        {
            var hits = new int[500];
            for (int call = 0; call < 300; call++)
            {
                Array.Clear(hits);
                pool.ParallelFor(hits.Length, 5, new CountingBody(hits));
                if (call % 50 == 0)
                    Thread.Sleep(2);   // let every worker block on its event
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        }, TestContext.Current.CancellationToken);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        Assert.True(finished == run, "ParallelFor did not finish within 60 s: deadlock");
        await run;
    }

    [Fact]
    public void ParallelFor_ConcurrentCallers_EachGetAllTheirWork()
    {
        using var pool = new WorkerPool(3, spin: TimeSpan.FromMicroseconds(20));
        Exception? failure = null;
        var callers = Enumerable.Range(0, 4).Select(c => new Thread(() =>
        {
            try
            {
                var hits = new int[300];
                for (int call = 0; call < 200; call++)
                {
                    Array.Clear(hits);
                    pool.ParallelFor(hits.Length, 4, new CountingBody(hits));
                    for (int i = 0; i < hits.Length; i++)
                    {
                        if (hits[i] != 1)
                            throw new InvalidOperationException($"caller {c}: index {i} hit {hits[i]} times");
                    }
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
        })).ToList();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60)), "caller did not finish: deadlock"));
        Assert.Null(failure);
    }

    [Fact]
    public void ParallelFor_NestedCall_RunsInlineWithoutDeadlock()
    {
        using var pool = new WorkerPool(3);
        var hits = new int[40 * 40];
        pool.ParallelFor(40, 1, (outer, _) =>
            pool.ParallelFor(40, 4, (start, end) =>
            {
                for (int i = start; i < end; i++)
                    Interlocked.Increment(ref hits[outer * 40 + i]);
            }));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void ParallelFor_AfterWarmUp_AllocatesNothing()
    {
        using var pool = new WorkerPool(3, spin: TimeSpan.FromMicroseconds(100));
        var hits = new int[256];
        var body = new CountingBody(hits);
        for (int i = 0; i < 100; i++)
            pool.ParallelFor(hits.Length, 8, body);
        // Per-call allocations show in every round; ManualResetEventSlim's lazily created lock (made the first time a
        // loaded machine makes the caller block instead of spin) in one round at most.
        var rounds = new long[3];
        for (int round = 0; round < rounds.Length; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
                pool.ParallelFor(hits.Length, 8, body);
            rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(rounds.Count(r => r == 0) >= 2, $"bytes allocated per round of 1000 calls: {string.Join(", ", rounds)}");
        Assert.All(hits, h => Assert.Equal(3100, h));
    }

    [Fact]
    public void ParallelFor_Disposed_Throws()
    {
        var pool = new WorkerPool(2);
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.ParallelFor(10, 1, (_, _) => { }));
    }

    [Fact]
    public void Constructor_DefaultThreadCount_IsProcessorCount()
    {
        using var pool = new WorkerPool();
        Assert.Equal(Environment.ProcessorCount, pool.ThreadCount);
    }

    [Fact]
    public void ParallelFor_BadArguments_Throw()
    {
        using var pool = new WorkerPool(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.ParallelFor(-1, 1, (_, _) => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.ParallelFor(10, 0, (_, _) => { }));
    }

    private readonly struct CountingBody(int[] hits) : IParallelBody
    {
        public void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++)
                Interlocked.Increment(ref hits[i]);
        }
    }
}
