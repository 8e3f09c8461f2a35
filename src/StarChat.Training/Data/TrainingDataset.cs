using System.Text.Json;
using StarChat.Training.Model;

namespace StarChat.Training.Data;

/// <summary>A prepared dataset folder as <see cref="DatasetPreparation"/> writes it: the train and test examples.</summary>
/// <param name="Train">Training examples in file order.</param>
/// <param name="Test">Test examples (may be empty).</param>
public sealed record TrainingDataset(IReadOnlyList<TrainingExample> Train, IReadOnlyList<TrainingExample> Test)
{
    /// <summary>Reads <c>train.jsonl</c> and, when present, <c>test.jsonl</c> from <paramref name="folder"/>.</summary>
    /// <param name="folder">The prepared folder.</param>
    /// <param name="vocabularySize">Ids and labels must be below this.</param>
    /// <param name="maxLength">Longest sequence the model takes (its positions).</param>
    /// <exception cref="FileNotFoundException">The folder has no train.jsonl.</exception>
    /// <exception cref="InvalidDataException">A record is malformed, empty, longer than the model's context, or holds an id outside the vocabulary; the message names the file and line.</exception>
    public static TrainingDataset Load(string folder, int vocabularySize, int maxLength)
    {
        string train = Path.Combine(folder, DatasetPreparation.TrainFile);
        if (!File.Exists(train))
            throw new FileNotFoundException($"{folder}: no {DatasetPreparation.TrainFile} (run `starchat data prepare` first)", train);
        string test = Path.Combine(folder, DatasetPreparation.TestFile);
        var trainExamples = Read(train, vocabularySize, maxLength);
        if (trainExamples.Count == 0)
            throw new InvalidDataException($"{train}: no training examples");
        return new TrainingDataset(trainExamples, File.Exists(test) ? Read(test, vocabularySize, maxLength) : []);
    }

    private static List<TrainingExample> Read(string path, int vocabularySize, int maxLength)
    {
        var list = new List<TrainingExample>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string where = $"{path}:{lineNo}";
            try
            {
                using var doc = JsonDocument.Parse(line);
                int[] ids = Ints(doc.RootElement, "input_ids", where);
                int[] labels = Ints(doc.RootElement, "labels", where);
                if (ids.Length == 0)
                    throw new InvalidDataException($"{where}: empty input_ids");
                if (ids.Length != labels.Length)
                    throw new InvalidDataException($"{where}: {ids.Length} input_ids but {labels.Length} labels");
                if (ids.Length > maxLength)
                    throw new InvalidDataException($"{where}: {ids.Length} tokens exceed the model's {maxLength} positions (prepare with a smaller --block-size)");
                for (int i = 0; i < ids.Length; i++)
                {
                    if ((uint)ids[i] >= (uint)vocabularySize)
                        throw new InvalidDataException($"{where}: input_ids[{i}] = {ids[i]} is outside the model's vocabulary (0..{vocabularySize - 1}); was the data prepared with another tokenizer?");
                    if (labels[i] != TrainingBatch.IgnoreIndex && (uint)labels[i] >= (uint)vocabularySize)
                        throw new InvalidDataException($"{where}: labels[{i}] = {labels[i]} is neither -100 nor a token id");
                }
                list.Add(new TrainingExample(ids, labels));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{where}: not valid JSON ({e.Message})", e);
            }
        }
        return list;
    }

    private static int[] Ints(JsonElement root, string name, string where)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: \"{name}\" must be a list of integers");
        var values = new int[array.GetArrayLength()];
        int i = 0;
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out values[i++]))
                throw new InvalidDataException($"{where}: \"{name}\"[{i - 1}] is not an integer");
        }
        return values;
    }
}
