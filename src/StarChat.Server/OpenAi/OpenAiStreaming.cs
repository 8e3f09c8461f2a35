using System.Runtime.CompilerServices;
using StarChat.Server.Hosting;
using StarChat.Server.Scheduling;

namespace StarChat.Server.OpenAi;

/// <summary>
/// Server-sent events for streamed OpenAI responses: one <c>data:</c> JSON chunk per piece of text, the finish
/// reason on each choice's last chunk, an optional usage chunk, then <c>data: [DONE]</c>. A failure after the
/// stream started is sent as an <c>{"error": …}</c> event, since the status line is already gone.
/// </summary>
internal static class OpenAiStreaming
{
    public const string Done = "[DONE]";

    public static async IAsyncEnumerable<string> ChatAsync(ServedModel model, OpenAiMapping.Plan plan, IReadOnlyList<SequenceHandle> handles,
        bool includeUsage, bool logprobs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokenizer = model.Model.Text.Tokenizer;
        string id = OpenAiIds.Chat(), name = plan.ModelName;
        long created = OpenAiIds.Now();
        for (int i = 0; i < handles.Count; i++)
            yield return ServerJson.Serialize(new ChatCompletionChunk(id, created, name, [new ChunkChoice(i, new ChunkDelta("assistant", ""), null, null)], null));

        var replies = handles.Select(_ => new ReplyText(plan.Prompt.IsChat)).ToArray();
        await foreach (var (index, e, error) in Guarded(handles, cancellationToken).ConfigureAwait(false))
        {
            if (error is not null)
            {
                yield return ServerJson.Serialize(OpenAiErrors.Body(new RequestError(500, error.Message)));
                yield break;
            }
            string text = replies[index].Push(e!.Text);
            var lp = logprobs && OpenAiReplies.Counts(e) ? new ChatLogProbs([OpenAiReplies.ChatLogProb(tokenizer, e)]) : null;
            if (text.Length > 0 || lp is not null)
                yield return ServerJson.Serialize(new ChatCompletionChunk(id, created, name, [new ChunkChoice(index, new ChunkDelta(null, text), null, lp)], null));
            if (e.Finish is { } finish)
                yield return ServerJson.Serialize(new ChatCompletionChunk(id, created, name, [new ChunkChoice(index, new ChunkDelta(null, null), OpenAiReplies.FinishReason(finish), null)], null));
        }
        if (includeUsage)
            yield return ServerJson.Serialize(new ChatCompletionChunk(id, created, name, [], new Usage(plan.Prompt.Ids.Length, handles.Sum(h => h.GeneratedTokens))));
        yield return Done;
    }

    public static async IAsyncEnumerable<string> CompletionAsync(ServedModel model, IReadOnlyList<OpenAiMapping.Plan> plans, IReadOnlyList<SequenceHandle> handles,
        bool includeUsage, bool logprobs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokenizer = model.Model.Text.Tokenizer;
        string id = OpenAiIds.Completion(), name = plans[0].ModelName;
        long created = OpenAiIds.Now();
        var offsets = new int[handles.Count];
        await foreach (var (index, e, error) in Guarded(handles, cancellationToken).ConfigureAwait(false))
        {
            if (error is not null)
            {
                yield return ServerJson.Serialize(OpenAiErrors.Body(new RequestError(500, error.Message)));
                yield break;
            }
            var lp = logprobs && OpenAiReplies.Counts(e!) ? OpenAiReplies.LegacyLogProbs(tokenizer, [e!], offsets[index]) : null;
            offsets[index] += e!.Text.Length;
            string? finish = e.Finish is { } f ? OpenAiReplies.FinishReason(f) : null;
            if (e.Text.Length > 0 || lp is not null || finish is not null)
                yield return ServerJson.Serialize(new TextCompletion(id, created, name, [new TextChoice(index, e.Text, finish, lp)], null));
        }
        if (includeUsage)
            yield return ServerJson.Serialize(new TextCompletion(id, created, name, [], new Usage(plans.Sum(p => p.Prompt.Ids.Length), handles.Sum(h => h.GeneratedTokens))));
        yield return Done;
    }

    /// <summary>The merged events, with a failure as a last item instead of an exception (a stream cannot change its status).</summary>
    internal static async IAsyncEnumerable<(int Index, TokenEvent? Event, Exception? Error)> Guarded(
        IReadOnlyList<SequenceHandle> handles, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = SequenceStreams.MergeAsync(handles, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (events.ConfigureAwait(false))
        {
            while (true)
            {
                Exception? error = null;
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    more = false;
                    error = e;
                }
                if (error is not null)
                {
                    yield return (0, null, error);
                    yield break;
                }
                if (!more) yield break;
                yield return (events.Current.Index, events.Current.Event, null);
            }
        }
    }
}
