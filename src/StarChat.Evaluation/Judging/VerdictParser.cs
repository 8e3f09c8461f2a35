using System.Globalization;
using System.Text.RegularExpressions;

namespace StarChat.Evaluation.Judging;

/// <summary>
/// Reads judges' verdicts as FastChat does, a little more forgivingly; nothing here throws: an unreadable verdict is
/// <see cref="PairwiseVerdict.Error"/> or null, and the caller counts it.
/// </summary>
public static partial class VerdictParser
{
    /// <summary>
    /// FastChat <c>pair-v2</c>: <c>[[A]]</c>, <c>[[B]]</c> or <c>[[C]]</c> (tie). FastChat tests A, then B, then C on
    /// the whole text; when a judge names more than one (quoting the instructions, say), the last one written is its
    /// final verdict, so that one is taken.
    /// </summary>
    public static PairwiseVerdict Pairwise(string judgment)
    {
        var matches = PairwiseTag().Matches(judgment);
        if (matches.Count == 0) return PairwiseVerdict.Error;
        return matches[^1].Groups[1].Value.ToUpperInvariant() switch
        {
            "A" => PairwiseVerdict.A,
            "B" => PairwiseVerdict.B,
            _ => PairwiseVerdict.Tie,
        };
    }

    /// <summary>
    /// FastChat <c>single-v1</c>: the first <c>[[rating]]</c> (e.g. <c>Rating: [[7.5]]</c>), else the first <c>[rating]</c>;
    /// null when there is none.
    /// </summary>
    public static double? Rating(string judgment)
    {
        var m = DoubleBracketRating().Match(judgment);
        if (!m.Success) m = SingleBracketRating().Match(judgment);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// The Vicuna reviewer / StarChat blog form: the first line holds the two assistants' scores (<c>4 7</c>,
    /// <c>8, 7</c>, <c>(8, 9)</c>) as in FastChat's <c>eval_gpt_review.parse_score</c>; failing that, a
    /// <c>(a, b)</c> tuple anywhere (the math prompt asks for a Python tuple). Null when neither is there.
    /// </summary>
    public static (double First, double Second)? TwoScores(string judgment)
    {
        string firstLine = judgment.TrimStart().Split('\n')[0];
        var parts = firstLine.Replace(',', ' ').Trim().Trim('(', ')', '[', ']').Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 2 && TryScore(parts[0], out double a) && TryScore(parts[1], out double b))
            return (a, b);
        var tuple = ScoreTuple().Match(judgment);
        if (tuple.Success && TryScore(tuple.Groups[1].Value, out a) && TryScore(tuple.Groups[2].Value, out b))
            return (a, b);
        return null;
    }

    private static bool TryScore(string text, out double value)
        => double.TryParse(text.Trim().TrimEnd('.'), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && value <= 100;

    [GeneratedRegex(@"\[\[([ABCabc])\]\]")]
    private static partial Regex PairwiseTag();

    [GeneratedRegex(@"\[\[(\d+\.?\d*)\]\]")]
    private static partial Regex DoubleBracketRating();

    [GeneratedRegex(@"\[(\d+\.?\d*)\]")]
    private static partial Regex SingleBracketRating();

    [GeneratedRegex(@"\(\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*\)")]
    private static partial Regex ScoreTuple();
}
