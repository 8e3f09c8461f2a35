using StarChat.Engine.Threading;

namespace StarChat.Training.Ops;

/// <summary>Splits row-independent work over the pool in items of roughly equal cost.</summary>
internal static class Rows
{
    private const int WorkPerItem = 32 * 1024;

    /// <summary>Runs <paramref name="body"/> over <c>[0, count)</c>; <paramref name="costPerRow"/> estimates one row's work.</summary>
    public static void Run<TBody>(WorkerPool? pool, int count, int costPerRow, TBody body) where TBody : struct, IParallelBody
    {
        if (count == 0)
            return;
        if (pool is null)
        {
            body.Invoke(0, count);
            return;
        }
        int grain = Math.Max(1, WorkPerItem / Math.Max(1, costPerRow));
        pool.ParallelFor(count, grain, body);
    }
}
