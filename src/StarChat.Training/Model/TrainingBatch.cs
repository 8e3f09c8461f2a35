namespace StarChat.Training.Model;

/// <summary>
/// Sequences for one forward/backward pass, stored back to back without padding: row n of every activation is one
/// token of one sequence. Right padding would add rows that no kept logit can see (attention is causal), so leaving
/// the pads out gives the same loss and gradients as Hugging Face's padded batch, for less work.
/// </summary>
public sealed class TrainingBatch
{
    /// <summary>The label value that takes a position out of the loss (PyTorch's <c>ignore_index</c>).</summary>
    public const int IgnoreIndex = -100;

    private TrainingBatch(int[] tokenIds, int[] positions, int[] targets, int[] sequenceStarts, int targetCount)
    {
        TokenIds = tokenIds;
        Positions = positions;
        Targets = targets;
        SequenceStarts = sequenceStarts;
        TargetCount = targetCount;
    }

    /// <summary>Token id of every row.</summary>
    public int[] TokenIds { get; }

    /// <summary>Position of every row within its sequence (0, 1, …).</summary>
    public int[] Positions { get; }

    /// <summary>
    /// The token row n must predict: the next row's label (the shift by one of Hugging Face's causal LM loss), or
    /// <see cref="IgnoreIndex"/> at a sequence's last row and where the label is masked.
    /// </summary>
    public int[] Targets { get; }

    /// <summary>First row of each sequence, plus the total row count at the end (length = sequences + 1).</summary>
    public int[] SequenceStarts { get; }

    /// <summary>Rows whose target counts in the loss.</summary>
    public int TargetCount { get; }

    /// <summary>Number of rows (tokens) in the batch.</summary>
    public int RowCount => TokenIds.Length;

    /// <summary>Number of sequences.</summary>
    public int SequenceCount => SequenceStarts.Length - 1;

    /// <summary>Length of the longest sequence.</summary>
    public int MaxSequenceLength
    {
        get
        {
            int max = 0;
            for (int s = 0; s < SequenceCount; s++)
                max = Math.Max(max, SequenceStarts[s + 1] - SequenceStarts[s]);
            return max;
        }
    }

    /// <summary>Builds a batch from sequences of token ids and labels (<see cref="IgnoreIndex"/> = not in the loss).</summary>
    /// <param name="sequences">Each sequence's ids and labels, of equal length (at least 1).</param>
    /// <param name="vocabularySize">Ids and labels must be below this.</param>
    /// <param name="contextLength">Sequences may be at most this long (the model's position table).</param>
    /// <exception cref="ArgumentException">A sequence is empty or too long, ids and labels differ in length, or an id or label is out of range; the message names the sequence and position.</exception>
    public static TrainingBatch Create(IReadOnlyList<(IReadOnlyList<int> InputIds, IReadOnlyList<int> Labels)> sequences,
        int vocabularySize, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
            throw new ArgumentException("a batch needs at least one sequence", nameof(sequences));
        var starts = new int[sequences.Count + 1];
        for (int s = 0; s < sequences.Count; s++)
        {
            var (ids, labels) = sequences[s];
            if (ids.Count == 0)
                throw new ArgumentException($"sequence {s} is empty", nameof(sequences));
            if (labels.Count != ids.Count)
                throw new ArgumentException($"sequence {s}: {ids.Count} input ids but {labels.Count} labels", nameof(sequences));
            if (ids.Count > contextLength)
                throw new ArgumentException($"sequence {s}: {ids.Count} tokens exceed the model's {contextLength} positions", nameof(sequences));
            starts[s + 1] = checked(starts[s] + ids.Count);
        }

        int rows = starts[^1], kept = 0;
        var tokenIds = new int[rows];
        var positions = new int[rows];
        var targets = new int[rows];
        for (int s = 0; s < sequences.Count; s++)
        {
            var (ids, labels) = sequences[s];
            for (int t = 0; t < ids.Count; t++)
            {
                int n = starts[s] + t;
                if ((uint)ids[t] >= (uint)vocabularySize)
                    throw new ArgumentException($"sequence {s}, position {t}: token id {ids[t]} is outside the vocabulary (0..{vocabularySize - 1})", nameof(sequences));
                int label = labels[t];
                if (label != IgnoreIndex && (uint)label >= (uint)vocabularySize)
                    throw new ArgumentException($"sequence {s}, position {t}: label {label} is neither {IgnoreIndex} nor a token id below {vocabularySize}", nameof(sequences));
                tokenIds[n] = ids[t];
                positions[n] = t;
                int target = t + 1 < ids.Count ? labels[t + 1] : IgnoreIndex;
                targets[n] = target;
                if (target != IgnoreIndex)
                    kept++;
            }
        }
        return new TrainingBatch(tokenIds, positions, targets, starts, kept);
    }
}
