using System.Text.Json.Nodes;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Judging;
using StarChat.Testing;

namespace StarChat.Evaluation.Tests.Judging;

/// <summary><c>eval answer</c>: multi-turn answers in FastChat's layout from a scripted chat endpoint.</summary>
public class AnswerGenerationTests
{
    [Fact]
    public async Task RunAsync_TwoTurnQuestions_AsksEachTurnWithTheConversationSoFar()
    {
        var questions = JudgeQuestion.Load(SharedPaths.Data("fastchat", "llm_judge", "mt_bench", "question.jsonl")).Take(2).ToList();
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/v1/chat/completions"] = body =>
            {
                int messages = body!["messages"]!.AsArray().Count;
                string reply = $"reply to {messages} messages";
                return (200, new JsonObject { ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply } }) }.ToJsonString());
            },
        });
        using var backend = new EndpointBackend(server.Address, model: "starchat");
        using var folder = new TempFolder();
        string file = folder.File("answers.jsonl");
        int answered = await AnswerGeneration.RunAsync(questions, backend, "starchat-beta", file, concurrency: 1);
        Assert.Equal(2, answered);
        var answers = AnswerFile.Load(file);
        Assert.Equal(questions.Select(q => q.Id).Order(), answers.Keys.Order());
        Assert.All(answers.Values, a =>
        {
            Assert.Equal("starchat-beta", a.ModelId);
            Assert.Equal(["reply to 1 messages", "reply to 3 messages"], a.Turns);
        });
        // The second turn's request carries the first question, the model's first answer and the second question.
        var second = server.Requests.Select(r => r.Body!["messages"]!.AsArray()).First(m => m.Count == 3);
        Assert.Equal(["user", "assistant", "user"], second.Select(m => (string?)m!["role"]));
        Assert.Equal(0, await AnswerGeneration.RunAsync(questions, backend, "starchat-beta", file));
    }
}
