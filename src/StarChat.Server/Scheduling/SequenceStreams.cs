using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace StarChat.Server.Scheduling;

/// <summary>Reading the events of one or several sequences (OpenAI <c>n</c>) as they arrive.</summary>
public static class SequenceStreams
{
    /// <summary>Every event of every handle, tagged with the handle's position, in arrival order.</summary>
    /// <exception cref="OperationCanceledException">A sequence was cancelled.</exception>
    public static async IAsyncEnumerable<(int Index, TokenEvent Event)> MergeAsync(
        IReadOnlyList<SequenceHandle> handles, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (handles.Count == 1)
        {
            await foreach (var e in handles[0].Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return (0, e);
            yield break;
        }
        var merged = Channel.CreateUnbounded<(int, TokenEvent)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = handles.Select((handle, index) => PumpAsync(handle, index, merged.Writer, cancellationToken)).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var item in merged.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return item;
    }

    /// <summary>Waits for every sequence to finish and returns each one's events.</summary>
    /// <exception cref="OperationCanceledException">A sequence was cancelled.</exception>
    public static async Task<IReadOnlyList<IReadOnlyList<TokenEvent>>> CollectAsync(IReadOnlyList<SequenceHandle> handles, CancellationToken cancellationToken = default)
    {
        var results = handles.Select(_ => new List<TokenEvent>()).ToArray();
        await foreach (var (index, e) in MergeAsync(handles, cancellationToken).ConfigureAwait(false))
            results[index].Add(e);
        return results;
    }

    private static async Task PumpAsync(SequenceHandle handle, int index, ChannelWriter<(int, TokenEvent)> writer, CancellationToken cancellationToken)
    {
        await foreach (var e in handle.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            await writer.WriteAsync((index, e), cancellationToken).ConfigureAwait(false);
    }
}
