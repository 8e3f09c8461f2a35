using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StarChat.Generation.Text;
using StarChat.Text.Tokenization;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat tokenize</c>: token ids (and pieces) of a text, or of JSON lines read from stdin.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("Model folder, tokenizer.json or .gguf file");
        var noSpecial = new Option<bool>("--no-special") { Description = "Treat the text as plain: special-token strings stay characters" };
        var json = new Option<bool>("--json") { Description = "Print JSON with ids, vocabulary tokens and decoded pieces" };
        var text = new Argument<string>("text") { Description = "Text to tokenize, or - to read JSON lines (strings or {\"text\":...}) from stdin" };
        var command = new Command("tokenize", "Show the token ids of a text.") { model, noSpecial, json, text };
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                var tokenizer = ModelTokenizer.Load(CommonOptions.RequireModel(parse.GetValue(model), context)).Tokenizer;
                bool parseSpecial = !parse.GetValue(noSpecial);
                string input = parse.GetValue(text)!;
                if (input != "-")
                {
                    int[] ids = tokenizer.Encode(input, parseSpecial);
                    context.Out.WriteLine(parse.GetValue(json) ? Json(tokenizer, ids) : string.Join(' ', ids));
                    return ExitCodes.Ok;
                }
                return FromStdin(context, tokenizer, parseSpecial, parse.GetValue(json));
            });
        });
        return command;
    }

    private static int FromStdin(CliContext context, ByteLevelBpeTokenizer tokenizer, bool parseSpecial, bool pieces)
    {
        // Bytes that are not UTF-8 become U+FFFD (a defined result, as Python's errors="replace").
        using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false, false));
        int lineNo = 0;
        while (stdin.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0) continue;
            string value;
            try
            {
                using var doc = JsonDocument.Parse(line);
                value = doc.RootElement.ValueKind switch
                {
                    JsonValueKind.String => doc.RootElement.GetString()!,
                    JsonValueKind.Object when doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String => t.GetString()!,
                    _ => throw new FormatException($"stdin line {lineNo}: expected a JSON string or {{\"text\": \"...\"}}"),
                };
            }
            catch (JsonException e)
            {
                throw new FormatException($"stdin line {lineNo}: not valid JSON ({e.Message})", e);
            }
            var ids = tokenizer.Encode(value, parseSpecial);
            context.Out.WriteLine(pieces ? Json(tokenizer, ids) : CliJson.Serialize(new TokenIds(ids)));
        }
        return ExitCodes.Ok;
    }

    private static string Json(ByteLevelBpeTokenizer tokenizer, int[] ids)
        => CliJson.Serialize(new TokenPieces(ids, [.. ids.Select(tokenizer.IdToToken)], [.. ids.Select(id => tokenizer.Decode([id]))]));
}

/// <summary>A line of <c>tokenize --json</c>.</summary>
internal sealed record TokenIds([property: JsonPropertyName("ids")] int[] Ids);

/// <summary>A line of <c>tokenize --json --pieces</c>: each id with its vocabulary entry and its decoded text.</summary>
internal sealed record TokenPieces(
    [property: JsonPropertyName("ids")] int[] Ids,
    [property: JsonPropertyName("tokens")] string?[] Tokens,
    [property: JsonPropertyName("pieces")] string[] Pieces);
