using System.Text;
using StarChat.Generation;
using StarChat.Server.Hosting;
using StarChat.Server.Scheduling;
using StarChat.Text.Tokenization;

namespace StarChat.Server.OpenAi;

/// <summary>Builds OpenAI response bodies from finished sequences.</summary>
internal static class OpenAiReplies
{
    public static string FinishReason(FinishReason reason) => reason switch
    {
        Generation.FinishReason.EndOfSequence or Generation.FinishReason.StopString => "stop",
        _ => "length",
    };

    public static ChatCompletion Chat(ServedModel model, OpenAiMapping.Plan plan, IReadOnlyList<IReadOnlyList<TokenEvent>> results, bool logprobs)
    {
        var tokenizer = model.Model.Text.Tokenizer;
        var choices = new List<ChatChoice>(results.Count);
        int completion = 0;
        for (int i = 0; i < results.Count; i++)
        {
            var events = results[i];
            var reply = new ReplyText(plan.Prompt.IsChat);
            foreach (var e in events) reply.Push(e.Text);
            completion += events.Count(e => e.Id >= 0);
            choices.Add(new ChatChoice(i, new AssistantMessage(reply.Text), FinishReason(events[^1].Finish ?? Generation.FinishReason.Length),
                logprobs ? new ChatLogProbs([.. events.Where(Counts).Select(e => ChatLogProb(tokenizer, e))]) : null));
        }
        return new ChatCompletion(OpenAiIds.Chat(), OpenAiIds.Now(), plan.ModelName, choices, new Usage(plan.Prompt.Ids.Length, completion));
    }

    public static TextCompletion Completion(ServedModel model, IReadOnlyList<OpenAiMapping.Plan> plans, IReadOnlyList<IReadOnlyList<TokenEvent>> results, bool logprobs)
    {
        var tokenizer = model.Model.Text.Tokenizer;
        var choices = new List<TextChoice>(results.Count);
        int completion = 0, index = 0;
        foreach (var events in results)
        {
            var text = new StringBuilder();
            foreach (var e in events) text.Append(e.Text);
            completion += events.Count(e => e.Id >= 0);
            choices.Add(new TextChoice(index++, text.ToString(), FinishReason(events[^1].Finish ?? Generation.FinishReason.Length),
                logprobs ? LegacyLogProbs(tokenizer, events.Where(Counts), 0) : null));
        }
        int prompt = plans.Sum(p => p.Prompt.Ids.Length);
        return new TextCompletion(OpenAiIds.Completion(), OpenAiIds.Now(), plans[0].ModelName, choices, new Usage(prompt, completion));
    }

    /// <summary>Stop tokens end the reply but are not part of it, so they get no log-probability entry.</summary>
    public static bool Counts(TokenEvent e) => e.Id >= 0 && !e.IsStopToken;

    public static ChatTokenLogProb ChatLogProb(ByteLevelBpeTokenizer tokenizer, TokenEvent e)
        => new(e.TokenText, e.LogProb, Bytes(tokenizer, e.Id),
            [.. e.TopLogProbs.Select(t => new ChatTopLogProb(tokenizer.Decode([t.Id]), t.LogProb, Bytes(tokenizer, t.Id)))]);

    public static TextLogProbs LegacyLogProbs(ByteLevelBpeTokenizer tokenizer, IEnumerable<TokenEvent> events, int offset)
    {
        var tokens = new List<string>();
        var values = new List<float>();
        var tops = new List<IReadOnlyDictionary<string, float>>();
        var offsets = new List<int>();
        foreach (var e in events)
        {
            tokens.Add(e.TokenText);
            values.Add(e.LogProb);
            var top = new Dictionary<string, float>();
            foreach (var t in e.TopLogProbs) top.TryAdd(tokenizer.Decode([t.Id]), t.LogProb);
            tops.Add(top);
            offsets.Add(offset);
            offset += e.TokenText.Length;
        }
        return new TextLogProbs(tokens, values, tops, offsets);
    }

    /// <summary>The token's raw bytes (a byte-level token can hold part of a UTF-8 character).</summary>
    private static int[] Bytes(ByteLevelBpeTokenizer tokenizer, int id)
    {
        var bytes = tokenizer.TokenBytes(id);
        var result = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) result[i] = bytes[i];
        return result;
    }
}
