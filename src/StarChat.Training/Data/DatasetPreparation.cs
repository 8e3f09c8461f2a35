using System.Text.Encodings.Web;
using System.Text.Json;
using StarChat.Text.Chat;
using StarChat.Text.Tokenization;

namespace StarChat.Training.Data;

/// <summary>
/// <c>starchat data prepare</c>: reads dialogues, masks the user turns, truncates or packs to the block size, splits
/// off a test set and writes <c>train.jsonl</c> / <c>test.jsonl</c> (<c>{"input_ids": […], "labels": […]}</c> per
/// line), <c>stats.json</c>, and <c>trl/train.jsonl</c> / <c>trl/test.jsonl</c> with the same dialogues in the
/// conversational <c>{"messages": […]}</c> layout that Hugging Face TRL's <c>SFTTrainer</c> reads.
/// </summary>
public static class DatasetPreparation
{
    /// <summary>Name of the training split file.</summary>
    public const string TrainFile = "train.jsonl";

    /// <summary>Name of the test split file.</summary>
    public const string TestFile = "test.jsonl";

    /// <summary>Name of the statistics file.</summary>
    public const string StatisticsFile = "stats.json";

    /// <summary>Runs the preparation.</summary>
    /// <param name="options">Input, output and shaping options.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The model's dialogue template, if it has one.</param>
    /// <exception cref="ArgumentException">An option is invalid, or the split leaves no training dialogue.</exception>
    /// <exception cref="FileNotFoundException">The input does not exist.</exception>
    /// <exception cref="InvalidDataException">An input line is malformed; the message names the file and line.</exception>
    public static DatasetStatistics Run(DataPreparationOptions options, ByteLevelBpeTokenizer tokenizer, DialogueTemplate? template = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new ExampleBuilder(tokenizer, options.Format, template, options.System);

        int read = 0, empty = 0, noAssistant = 0, beyondBlock = 0;
        var kept = new List<(Conversation Conversation, BuiltExample Built)>();
        foreach (var conversation in ConversationReader.Read(options.InputPath))
        {
            read++;
            if (conversation.Messages.Count == 0) { empty++; continue; }
            if (!conversation.HasAssistantTurn) { noAssistant++; continue; }
            BuiltExample built;
            try
            {
                built = builder.Build(conversation.Messages);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{options.InputPath}:{conversation.Line}: {e.Message}", e);
            }
            if (!options.Pack && built.FirstAssistantToken >= options.BlockSize) { beyondBlock++; continue; }
            kept.Add((conversation, built));
        }

        if (options.ShuffleSeed is { } seed)
            new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(kept));
        // Hugging Face's train_test_split: the test share rounded up, taken from the end.
        int testCount = options.TestSplit > 0 ? (int)Math.Ceiling(options.TestSplit * kept.Count) : 0;
        if (kept.Count > 0 && testCount >= kept.Count)
            throw new ArgumentException($"--test-split {options.TestSplit} leaves no training dialogue out of {kept.Count}");
        var train = kept.Take(kept.Count - testCount).ToList();
        var test = kept.Skip(kept.Count - testCount).ToList();

        var shaper = new Shaper(options.BlockSize, options.Pack);
        var trainExamples = shaper.Shape(train.Select(k => k.Built.Example));
        var testExamples = shaper.Shape(test.Select(k => k.Built.Example));

        Directory.CreateDirectory(options.OutputFolder);
        WriteExamples(Path.Combine(options.OutputFolder, TrainFile), trainExamples);
        WriteExamples(Path.Combine(options.OutputFolder, TestFile), testExamples);
        string trl = Path.Combine(options.OutputFolder, "trl");
        Directory.CreateDirectory(trl);
        WriteConversations(Path.Combine(trl, TrainFile), train.Select(k => k.Conversation), options.System);
        WriteConversations(Path.Combine(trl, TestFile), test.Select(k => k.Conversation), options.System);

        var all = trainExamples.Concat(testExamples).ToList();
        var stats = new DatasetStatistics
        {
            Dialogues = read,
            SkippedEmpty = empty,
            SkippedNoAssistant = noAssistant,
            SkippedAssistantBeyondBlock = beyondBlock,
            Truncated = shaper.Truncated,
            TruncatedTokens = shaper.TruncatedTokens,
            TrainDialogues = train.Count,
            TestDialogues = test.Count,
            TrainExamples = trainExamples.Count,
            TestExamples = testExamples.Count,
            Tokens = all.Sum(e => (long)e.InputIds.Length),
            MaskedTokens = all.Sum(e => (long)(e.Labels.Length - e.LearnedTokens)),
            BlockSize = options.BlockSize,
            Packed = options.Pack,
            Format = options.Format == DialogueFormat.StarChat ? "starchat" : "alpaca",
        };
        File.WriteAllText(Path.Combine(options.OutputFolder, StatisticsFile), stats.ToJson());
        return stats;
    }

    private static void WriteExamples(string path, IEnumerable<TrainingExample> examples)
    {
        using var stream = File.Create(path);
        foreach (var e in examples)
        {
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteStartArray("input_ids");
                foreach (int id in e.InputIds) json.WriteNumberValue(id);
                json.WriteEndArray();
                json.WriteStartArray("labels");
                foreach (int label in e.Labels) json.WriteNumberValue(label);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }

    private static void WriteConversations(string path, IEnumerable<Conversation> conversations, string? system)
    {
        using var stream = File.Create(path);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var c in conversations)
        {
            var messages = system is not null && (c.Messages.Count == 0 || c.Messages[0].Role != "system")
                ? [ChatMessage.System(system), .. c.Messages]
                : c.Messages;
            using (var json = new Utf8JsonWriter(stream, options))
            {
                json.WriteStartObject();
                json.WriteStartArray("messages");
                foreach (var m in messages)
                {
                    json.WriteStartObject();
                    json.WriteString("role", m.Role);
                    json.WriteString("content", m.Content);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }

    // Truncation keeps each dialogue's first block; packing concatenates dialogues (each already masked, so masks
    // never leak across a boundary) and cuts blocks, keeping a shorter last block rather than dropping it.
    private sealed class Shaper(int blockSize, bool pack)
    {
        public int Truncated { get; private set; }

        public long TruncatedTokens { get; private set; }

        public List<TrainingExample> Shape(IEnumerable<TrainingExample> examples)
        {
            var result = new List<TrainingExample>();
            if (!pack)
            {
                foreach (var e in examples)
                {
                    if (e.InputIds.Length > blockSize)
                    {
                        Truncated++;
                        TruncatedTokens += e.InputIds.Length - blockSize;
                        result.Add(new TrainingExample(e.InputIds[..blockSize], e.Labels[..blockSize]));
                    }
                    else
                    {
                        result.Add(e);
                    }
                }
                return result;
            }
            var ids = new List<int>(blockSize);
            var labels = new List<int>(blockSize);
            foreach (var e in examples)
            {
                for (int i = 0; i < e.InputIds.Length; i++)
                {
                    ids.Add(e.InputIds[i]);
                    labels.Add(e.Labels[i]);
                    if (ids.Count == blockSize)
                    {
                        result.Add(new TrainingExample([.. ids], [.. labels]));
                        ids.Clear();
                        labels.Clear();
                    }
                }
            }
            if (ids.Count > 1)
                result.Add(new TrainingExample([.. ids], [.. labels]));
            return result;
        }
    }
}
