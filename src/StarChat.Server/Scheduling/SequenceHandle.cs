using System.Diagnostics;
using System.Threading.Channels;

namespace StarChat.Server.Scheduling;

/// <summary>
/// The caller's side of a submitted sequence: its tokens as they are generated, and counts and timings the
/// scheduler fills in. Read <see cref="Events"/> to the end; the last event has <see cref="TokenEvent.Finish"/> set.
/// Cancelling the token given at submission frees the sequence's slot within one step and ends
/// <see cref="Events"/> with an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class SequenceHandle
{
    private readonly Channel<TokenEvent> _events = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly long _submitted = Stopwatch.GetTimestamp();
    private long _firstToken, _finished;

    internal SequenceHandle(SequenceRequest request, CancellationToken cancellationToken)
    {
        Request = request;
        CancellationToken = cancellationToken;
    }

    /// <summary>What was asked for.</summary>
    public SequenceRequest Request { get; }

    /// <summary>The tokens, in order.</summary>
    public ChannelReader<TokenEvent> Events => _events.Reader;

    /// <summary>Cancels the sequence.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Prompt tokens (known at submission).</summary>
    public int PromptTokens => Request.PromptIds.Count;

    /// <summary>Prompt tokens found in the slot's cache and not evaluated again (set once the prompt is evaluated).</summary>
    public int ReusedPromptTokens { get; internal set; }

    /// <summary>The slot the sequence ran in (−1 until admitted).</summary>
    public int Slot { get; internal set; } = -1;

    /// <summary>With <see cref="SequenceRequest.PromptLogProbs"/>: each prompt token's log-probability.</summary>
    public IReadOnlyList<PromptTokenLogProb> PromptLogProbs { get; internal set; } = [];

    /// <summary>Tokens generated so far.</summary>
    public int GeneratedTokens { get; internal set; }

    /// <summary>From submission to the first token (queue wait and prompt evaluation included); null before it.</summary>
    public TimeSpan? TimeToFirstToken => _firstToken == 0 ? null : Stopwatch.GetElapsedTime(_submitted, _firstToken);

    /// <summary>Generated tokens per second after the first one; null until the sequence has finished with two or more.</summary>
    public double? TokensPerSecond
    {
        get
        {
            if (_finished == 0 || _firstToken == 0 || GeneratedTokens < 2) return null;
            double seconds = Stopwatch.GetElapsedTime(_firstToken, _finished).TotalSeconds;
            return seconds > 0 ? (GeneratedTokens - 1) / seconds : null;
        }
    }

    internal bool IsCancelled => CancellationToken.IsCancellationRequested;

    internal void Emit(TokenEvent e)
    {
        if (_firstToken == 0 && e.Id >= 0) _firstToken = Stopwatch.GetTimestamp();
        if (e.Finish is not null) _finished = Stopwatch.GetTimestamp();
        _events.Writer.TryWrite(e);
        if (e.Finish is not null) _events.Writer.TryComplete();
    }

    internal void Fail(Exception error)
    {
        _finished = Stopwatch.GetTimestamp();
        _events.Writer.TryComplete(error);
    }
}
