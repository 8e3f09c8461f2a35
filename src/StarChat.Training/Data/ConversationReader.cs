using System.Text;
using System.Text.Json;
using StarChat.Text.Chat;

namespace StarChat.Training.Data;

/// <summary>
/// Reads dialogues from a JSON Lines file, one record per line, in any of three shapes (told apart per record):
/// <list type="bullet">
/// <item>conversations <c>{"messages": [{"role", "content"}, …]}</c> (HuggingFaceH4/oasst1_en, TRL's conversational format);</item>
/// <item>OpenAssistant message trees (<c>message_id</c>, <c>text</c>, <c>replies</c>): the best-ranked path, see <see cref="OasstTree"/>;</item>
/// <item>Alpaca records <c>{"instruction", "input", "output"}</c>: one user turn (instruction, then the input after a blank line) and one assistant turn.</item>
/// </list>
/// Roles <c>user</c>/<c>prompter</c>/<c>human</c>, <c>assistant</c>/<c>gpt</c> and a leading <c>system</c> are accepted.
/// </summary>
public static class ConversationReader
{
    /// <summary>Longest line accepted (64 MiB): a record beyond that is not a dialogue.</summary>
    public const int MaxLineLength = 64 << 20;

    /// <summary>Reads every record of <paramref name="path"/>; blank lines are skipped.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not valid JSON or not a known record shape; the message names the file and line.</exception>
    public static IEnumerable<Conversation> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file", path);
        return ReadLines(path);
    }

    private static IEnumerable<Conversation> ReadLines(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, true));
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string where = $"{path}:{lineNo}";
            if (line.Length > MaxLineLength)
                throw new InvalidDataException($"{where}: line of {line.Length} characters exceeds the {MaxLineLength} limit");
            yield return Parse(line, lineNo, where);
        }
    }

    /// <summary>Parses one record.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON or not a known record shape.</exception>
    public static Conversation Parse(string json, int lineNo, string where)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 512 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: expected a JSON object, got {r.ValueKind}");
            if (r.TryGetProperty("messages", out var messages))
                return new Conversation(Messages(messages, where), lineNo, Id(r, "message_tree_id") ?? Id(r, "id"));
            if (OasstTree.IsTree(r))
                return new Conversation(OasstTree.BestPath(r, where), lineNo, Id(r, "message_tree_id") ?? Id(r, "message_id"));
            if (r.TryGetProperty("instruction", out _) && r.TryGetProperty("output", out _))
                return new Conversation(Alpaca(r, where), lineNo, Id(r, "id"));
            var keys = string.Join(", ", r.EnumerateObject().Take(6).Select(p => p.Name));
            throw new InvalidDataException($"{where}: unknown record (keys: {keys}); expected \"messages\", an OpenAssistant message tree, or an Alpaca instruction/input/output record");
        }
    }

    private static List<ChatMessage> Messages(JsonElement messages, string where)
    {
        if (messages.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: \"messages\" must be a list");
        var list = new List<ChatMessage>();
        int i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: message {i} is not an object");
            string role = String(m, "role", $"{where}: message {i}") switch
            {
                "user" or "prompter" or "human" => "user",
                "assistant" or "gpt" => "assistant",
                "system" when i == 0 => "system",
                "system" => throw new InvalidDataException($"{where}: message {i}: a system message may only come first"),
                var other => throw new InvalidDataException($"{where}: message {i}: role '{other}' is not user, assistant or system"),
            };
            list.Add(new ChatMessage(role, String(m, "content", $"{where}: message {i}")));
            i++;
        }
        return list;
    }

    private static List<ChatMessage> Alpaca(JsonElement r, string where)
    {
        string instruction = String(r, "instruction", where);
        string input = r.TryGetProperty("input", out var inp) && inp.ValueKind == JsonValueKind.String ? inp.GetString()! : "";
        string output = String(r, "output", where);
        string user = input.Length == 0 ? instruction : instruction + "\n\n" + input;
        return user.Length == 0 && output.Length == 0 ? [] : [ChatMessage.User(user), ChatMessage.Assistant(output)];
    }

    private static string String(JsonElement e, string name, string where)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{where}: \"{name}\" must be a string");

    private static string? Id(JsonElement r, string name)
        => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
