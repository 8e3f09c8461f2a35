namespace StarChat.Evaluation.Judging;

/// <summary>A pairwise judge's choice.</summary>
public enum PairwiseVerdict
{
    /// <summary>No verdict could be read (<c>error</c> in FastChat).</summary>
    Error,
    /// <summary>The first-shown answer is better (<c>[[A]]</c>).</summary>
    A,
    /// <summary>The second-shown answer is better (<c>[[B]]</c>).</summary>
    B,
    /// <summary>A tie (<c>[[C]]</c>).</summary>
    Tie,
}
