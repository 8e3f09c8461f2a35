using System.CommandLine;
using System.Text.Json;
using StarChat.Generation.Text;
using StarChat.Text.Chat;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat template</c>: prints the prompt a conversation becomes in a chat format.</summary>
internal static class TemplateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var messages = new Option<FileInfo>("--messages") { Description = "JSON file: [{\"role\",\"content\"}…] or {\"messages\": […]}", Required = true };
        var format = new Option<string>("--format") { Description = $"Chat format: {string.Join(", ", ChatFormats.Names)}", DefaultValueFactory = _ => "auto" };
        var training = new Option<bool>("--training") { Description = "Render the training form (no generation prompt at the end)" };
        var taPrompt = new Option<string?>("--ta-prompt") { Description = "Technical-assistant prompt text for --format ta", DefaultValueFactory = _ => DefaultPaths.TechnicalAssistantPrompt };
        var ids = new Option<bool>("--ids") { Description = "Also print the token ids" };
        var command = new Command("template", "Print the prompt a conversation becomes in the model's chat format.")
        {
            model, messages, format, training, taPrompt, ids,
        };
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                var loaded = ModelTokenizer.Load(CommonOptions.RequireModel(parse.GetValue(model), context));
                var chat = ChatFormats.Create(parse.GetValue(format)!, loaded, parse.GetValue(taPrompt));
                var conversation = ReadMessages(parse.GetValue(messages)!.FullName);
                var segments = chat.Render(conversation, addGenerationPrompt: !parse.GetValue(training));
                context.Out.Write(PromptSegments.Concat(segments));
                context.Out.WriteLine();
                if (parse.GetValue(ids))
                    context.Out.WriteLine(string.Join(' ', loaded.Tokenizer.Encode(segments)));
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    /// <summary>Reads a conversation: a JSON array of messages or an object with <c>messages</c>.</summary>
    internal static IReadOnlyList<ChatMessage> ReadMessages(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var array = root.ValueKind == JsonValueKind.Array ? root
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array ? m
            : throw new FormatException($"{path}: expected a JSON array of messages or {{\"messages\": [...]}}");
        var list = new List<ChatMessage>();
        int i = 0;
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !e.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw new FormatException($"{path}: messages[{i}] needs string \"role\" and \"content\"");
            list.Add(new ChatMessage(role.GetString()!, content.GetString()!));
            i++;
        }
        return list;
    }
}
