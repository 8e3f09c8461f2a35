using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace StarChat.Engine.Threading;

/// <summary>
/// A small fixed pool of threads for the forward pass, where each call is short (a matrix-vector product takes tens
/// to hundreds of microseconds) and calls follow each other closely. Idle workers spin for a short while, then block,
/// so back-to-back calls start without a kernel round trip while an idle pool costs no CPU. The calling thread takes
/// part in the work. A call allocates nothing once the pool has run once.
/// </summary>
/// <remarks>
/// One call runs at a time; concurrent callers queue on a lock. A <c>ParallelFor</c> issued from inside a body runs
/// serially on the thread that issued it, rather than deadlocking.
/// </remarks>
public sealed unsafe class WorkerPool : IDisposable
{
    private static readonly TimeSpan DefaultSpin = TimeSpan.FromMicroseconds(200);

    [ThreadStatic]
    private static bool t_insideBody;

    private readonly Lock _gate = new();
    private readonly Worker[] _workers;
    private readonly long _spinTicks;
    private readonly ManualResetEventSlim _done = new(false, spinCount: 0);

    // The current job. Written by the caller before _generation is bumped (a full fence), read by workers after.
    private void* _body;
    private delegate*<void*, int, int, void> _invoke;
    private int _count;
    private int _grain;
    private long _next;
    private int _pending;
    private int _failed;
    private Exception? _error;

    private int _generation;
    private int _callerParked;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Starts a pool.</summary>
    /// <param name="threadCount">Threads taking part in each call, the caller included; 0 means <see cref="Environment.ProcessorCount"/>.
    /// 1 runs everything on the caller.</param>
    /// <param name="spin">How long an idle worker (and a waiting caller) spins before blocking; default 200 µs.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is negative or <paramref name="spin"/> is negative.</exception>
    public WorkerPool(int threadCount = 0, TimeSpan? spin = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threadCount);
        var spinTime = spin ?? DefaultSpin;
        ArgumentOutOfRangeException.ThrowIfLessThan(spinTime, TimeSpan.Zero, nameof(spin));
        ThreadCount = threadCount == 0 ? Environment.ProcessorCount : threadCount;
        _spinTicks = (long)(spinTime.TotalSeconds * Stopwatch.Frequency);
        _workers = new Worker[ThreadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker(this, i);
            _workers[i] = worker;
            worker.Thread.Start();
        }
    }

    /// <summary>Threads that take part in each call, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Calls <paramref name="body"/> on disjoint ranges that together cover <c>[0, count)</c>, each at most
    /// <paramref name="grain"/> long, spread over the pool's threads and the caller; returns when all are done.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or <paramref name="grain"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    /// <remarks>If a range throws, ranges not yet started are skipped and the first exception is rethrown here with its
    /// original stack trace; others are dropped.</remarks>
    public void ParallelFor<TBody>(int count, int grain, TBody body) where TBody : struct, IParallelBody
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(grain);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count == 0)
            return;
        if (count <= grain || _workers.Length == 0 || t_insideBody)
        {
            RunSerially(count, grain, ref body);
            return;
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // body is a parameter, so it lives on this stack frame, which outlives the call: workers may point at it.
            Run(Unsafe.AsPointer(ref body), &Invoke<TBody>, count, grain);
        }
    }

    /// <summary>Delegate form of <see cref="ParallelFor{TBody}"/>; allocation-free when the delegate is cached by the caller.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or <paramref name="grain"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public void ParallelFor(int count, int grain, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ParallelFor(count, grain, new DelegateBody(body));
    }

    /// <summary>Stops and joins the worker threads. Waits for a call in progress to finish.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _stopping = true;
            Interlocked.Increment(ref _generation);
            foreach (var worker in _workers)
                worker.Wake.Set();
        }
        foreach (var worker in _workers)
        {
            worker.Thread.Join();
            worker.Wake.Dispose();
        }
        _done.Dispose();
    }

    private static void Invoke<TBody>(void* body, int start, int end) where TBody : struct, IParallelBody
        => Unsafe.AsRef<TBody>(body).Invoke(start, end);

    private static void RunSerially<TBody>(int count, int grain, ref TBody body) where TBody : struct, IParallelBody
    {
        for (long start = 0; start < count; start += grain)
            body.Invoke((int)start, (int)Math.Min(count, start + grain));
    }

    private void Run(void* body, delegate*<void*, int, int, void> invoke, int count, int grain)
    {
        _body = body;
        _invoke = invoke;
        _count = count;
        _grain = grain;
        _next = 0;
        _failed = 0;
        _error = null;
        _pending = _workers.Length;
        Interlocked.Increment(ref _generation);          // publishes the job to spinning workers
        foreach (var worker in _workers)
        {
            if (Volatile.Read(ref worker.Parked) == 1)
                worker.Wake.Set();
        }

        t_insideBody = true;
        try
        {
            RunChunks();
        }
        finally
        {
            t_insideBody = false;
        }
        WaitForWorkers();

        _body = null;
        var error = _error;
        _error = null;
        if (error is not null)
            ExceptionDispatchInfo.Throw(error);
    }

    // Claims ranges until none are left; shared by the caller and the workers.
    private void RunChunks()
    {
        int count = _count, grain = _grain;
        while (Volatile.Read(ref _failed) == 0)
        {
            long start = Interlocked.Add(ref _next, grain) - grain;
            if (start >= count)
                return;
            try
            {
                _invoke(_body, (int)start, (int)Math.Min(count, start + grain));
            }
            catch (Exception e)   // any exception from a body must reach the caller, not kill a worker thread
            {
                Interlocked.CompareExchange(ref _error, e, null);
                Volatile.Write(ref _failed, 1);
            }
        }
    }

    private void WaitForWorkers()
    {
        long deadline = Stopwatch.GetTimestamp() + _spinTicks;
        while (Volatile.Read(ref _pending) != 0)
        {
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(8);
                continue;
            }
            _done.Reset();
            Interlocked.Exchange(ref _callerParked, 1);    // full fence: pairs with the decrement in WorkerLoop
            if (Volatile.Read(ref _pending) != 0)
                _done.Wait();
            Volatile.Write(ref _callerParked, 0);
        }
    }

    private void WorkerLoop(Worker self)
    {
        t_insideBody = true;
        int seen = 0;
        while (true)
        {
            seen = WaitForJob(self, seen);
            if (_stopping)
                return;
            RunChunks();
            if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _callerParked) == 1)
                _done.Set();
        }
    }

    // Spins until the generation moves past `seen`, then parks on the worker's event; returns the new generation.
    private int WaitForJob(Worker self, int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + _spinTicks;
        while (true)
        {
            int generation = Volatile.Read(ref _generation);
            if (generation != seen)
                return generation;
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(8);
                continue;
            }
            self.Wake.Reset();
            Interlocked.Exchange(ref self.Parked, 1);       // full fence: pairs with the generation bump in Run
            if (Volatile.Read(ref _generation) == seen)
                self.Wake.Wait();
            Volatile.Write(ref self.Parked, 0);
            deadline = Stopwatch.GetTimestamp() + _spinTicks;
        }
    }

    private sealed class Worker
    {
        public Worker(WorkerPool pool, int index)
        {
            Thread = new Thread(() => pool.WorkerLoop(this))
            {
                IsBackground = true,
                Name = $"StarChat worker {index + 1}",
            };
        }

        public Thread Thread { get; }

        public ManualResetEventSlim Wake { get; } = new(false, spinCount: 0);

        public int Parked;
    }

    private readonly struct DelegateBody(Action<int, int> body) : IParallelBody
    {
        public void Invoke(int start, int end) => body(start, end);
    }
}
