using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Running;
using StarChat.Text.Chat;

namespace StarChat.Evaluation.Judging;

/// <summary>
/// Writes a model's answers to benchmark questions in FastChat's answer layout: each turn is asked in the
/// conversation so far (earlier questions and the model's own earlier answers). Appends per question and skips
/// questions already answered in the file, so an interrupted run resumes.
/// </summary>
public static class AnswerGeneration
{
    /// <summary>Answers every question not yet in <paramref name="outputFile"/>; returns how many were answered now.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<JudgeQuestion> questions, IChatBackend model, string modelId, string outputFile,
        double temperature = 0.7, int maxNewTokens = 1024, string? systemPrompt = null, int concurrency = 4,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var file = new JsonlFile(outputFile);
        file.DropTornTail();
        var answered = File.Exists(outputFile) ? AnswerFile.Load(outputFile).Keys.ToHashSet(StringComparer.Ordinal) : [];
        var pending = questions.Where(q => !answered.Contains(q.Id)).ToList();
        int done = questions.Count - pending.Count;
        progress?.Report((done, questions.Count));
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (q, ct) =>
            {
                var conversation = new List<ChatMessage>();
                if (!string.IsNullOrEmpty(systemPrompt)) conversation.Add(ChatMessage.System(systemPrompt));
                var turns = new List<string>();
                foreach (var user in q.Turns)
                {
                    conversation.Add(ChatMessage.User(user));
                    string reply = await model.ChatAsync(new ChatJob { Messages = [.. conversation], Temperature = temperature, MaxNewTokens = maxNewTokens }, ct).ConfigureAwait(false);
                    conversation.Add(ChatMessage.Assistant(reply));
                    turns.Add(reply);
                }
                file.Append(new AnswerRecord
                {
                    QuestionId = int.TryParse(q.Id, out int n)
                        ? System.Text.Json.JsonSerializer.SerializeToElement(n, EvaluationJsonContext.Default.Int32)
                        : System.Text.Json.JsonSerializer.SerializeToElement(q.Id, EvaluationJsonContext.Default.String),
                    AnswerId = Guid.NewGuid().ToString("N")[..22],
                    ModelId = modelId,
                    Choices = [new AnswerChoice(0, turns)],
                    Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
                });
                progress?.Report((Interlocked.Increment(ref done), questions.Count));
            }).ConfigureAwait(false);
        return pending.Count;
    }
}
