namespace StarChat.Engine.Threading;

/// <summary>
/// The work of one <see cref="WorkerPool.ParallelFor{TBody}"/> call: a struct, so the pool calls it without boxing
/// or allocating. Its fields are read concurrently from several threads; keep them read-only during the call and
/// write results only to disjoint places (e.g. output rows <c>[start, end)</c>).
/// </summary>
public interface IParallelBody
{
    /// <summary>Processes items <c>[start, end)</c>.</summary>
    void Invoke(int start, int end);
}
