using System.Text.Json;
using StarChat.Text.Chat;

namespace StarChat.Training.Data;

/// <summary>
/// An OpenAssistant message tree (<c>message_id</c>, <c>role</c> prompter/assistant, <c>text</c>, <c>rank</c>,
/// <c>deleted</c>, nested <c>replies</c>) turned into one dialogue, as HuggingFaceH4/oasst1_en was: from the root,
/// follow the non-deleted reply with the lowest rank (the first one when none is ranked), and drop trailing user turns.
/// </summary>
public static class OasstTree
{
    private const int MaxDepth = 256;

    /// <summary>True when the JSON object looks like a message tree node.</summary>
    public static bool IsTree(JsonElement record)
        => record.ValueKind == JsonValueKind.Object && record.TryGetProperty("message_id", out _) && record.TryGetProperty("text", out _)
            && record.TryGetProperty("role", out _);

    /// <summary>The best-ranked path through the tree.</summary>
    /// <exception cref="InvalidDataException">A node lacks its text or role, has an unknown role, or the tree is deeper than 256 turns.</exception>
    public static IReadOnlyList<ChatMessage> BestPath(JsonElement root, string where)
    {
        var messages = new List<ChatMessage>();
        var node = root;
        while (true)
        {
            if (messages.Count >= MaxDepth)
                throw new InvalidDataException($"{where}: message tree deeper than {MaxDepth} turns");
            messages.Add(new ChatMessage(Role(node, where), Text(node, where)));
            if (!node.TryGetProperty("replies", out var replies) || replies.ValueKind != JsonValueKind.Array)
                break;
            JsonElement? best = null;
            double bestRank = double.PositiveInfinity;
            foreach (var reply in replies.EnumerateArray())
            {
                if (reply.ValueKind != JsonValueKind.Object || IsDeleted(reply))
                    continue;
                double rank = reply.TryGetProperty("rank", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : double.PositiveInfinity;
                // Strictly lower only: among equals (or all unranked) the first reply wins.
                if (best is null || rank < bestRank)
                {
                    best = reply;
                    bestRank = rank;
                }
            }
            if (best is not { } next)
                break;
            node = next;
        }
        while (messages.Count > 0 && messages[^1].Role == "user")
            messages.RemoveAt(messages.Count - 1);
        return messages;
    }

    private static bool IsDeleted(JsonElement node) => node.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True;

    private static string Role(JsonElement node, string where)
        => node.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String
            ? r.GetString() switch
            {
                "prompter" or "user" => "user",
                "assistant" => "assistant",
                var other => throw new InvalidDataException($"{where}: message role '{other}' is neither prompter nor assistant"),
            }
            : throw new InvalidDataException($"{where}: a message has no role");

    private static string Text(JsonElement node, string where)
        => node.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw new InvalidDataException($"{where}: a message has no text");
}
