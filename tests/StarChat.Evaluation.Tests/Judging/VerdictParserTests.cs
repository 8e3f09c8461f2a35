using StarChat.Evaluation.Judging;

namespace StarChat.Evaluation.Tests.Judging;

/// <summary>Verdict parsing on real judge outputs (the StarChat blog's) and on FastChat-format outputs written by hand.</summary>
public class VerdictParserTests
{
    // Verbatim from huggingface/blog starchat-alpha.md (commit b80f56d), "GPT4 Evaluation" of the reverse_string example.
    private const string BlogGpt4Review = "4 7\n\nAssistant 1's code was not well-structured, and it was difficult to follow the logic. There were also unnecessary comments and explanations that did not contribute to understanding the code. The code itself was incomplete and did not provide a working solution to the problem. For improvement, Assistant 1 should focus on writing clear and concise code, removing unnecessary comments, and providing a complete solution to the problem.\n\nAssistant 2's code was much better in terms of structure and readability. The code was accurate, efficient, and included helpful comments. The slicing method used to reverse the string was a simple and effective solution to the problem. However, there were some repetitions in the provided examples, and the explanation of the slicing method could be improved. Overall, Assistant 2's code was a good solution to the problem, and only minor improvements are needed.";

    // Same source, "ChatGPT Evaluation" (first paragraph; the rest is prose).
    private const string BlogChatGptReview = "8 7\n\nAssistant 1's solution attempts to use a variable assignment operator, :=, which is a new feature added to Python 3.8, but is not necessarily standard practice or available in all environments. Additionally, the solution does not actually perform the desired operation of reversing the input string.";

    [Fact]
    public void TwoScores_BlogGpt4Review_Reads4And7()
        => Assert.Equal((4.0, 7.0), VerdictParser.TwoScores(BlogGpt4Review));

    [Fact]
    public void TwoScores_BlogChatGptReview_Reads8And7()
        => Assert.Equal((8.0, 7.0), VerdictParser.TwoScores(BlogChatGptReview));

    [Theory]
    [InlineData("8, 9\nBoth are fine.", 8.0, 9.0)]
    [InlineData("  7.5 6\nAssistant 1 is clearer.", 7.5, 6.0)]
    [InlineData("(8, 3)\n", 8.0, 3.0)]
    [InlineData("Let me solve it first: x = 4.\nAssistant 1 is right, Assistant 2 is not.\nScores: (9, 2)", 9.0, 2.0)]
    public void TwoScores_CommonForms_AreRead(string judgment, double a, double b)
        => Assert.Equal((a, b), VerdictParser.TwoScores(judgment));

    [Theory]
    [InlineData("Assistant 1 is better overall.")]
    [InlineData("4 7 9\nthree numbers")]
    [InlineData("")]
    public void TwoScores_NoScores_IsNull(string judgment)
        => Assert.Null(VerdictParser.TwoScores(judgment));

    // Hand-written in the shape FastChat's pair-v2 asks for (no real GPT-4 judgments are stored in ../shared).
    [Theory]
    [InlineData("Assistant A gives a correct, well-commented solution; Assistant B's loop is off by one.\n\n[[A]]", PairwiseVerdict.A)]
    [InlineData("Both answers explain recursion, but B also covers the base case.\n\nFinal verdict: [[B]]", PairwiseVerdict.B)]
    [InlineData("The two responses are nearly identical in content and accuracy. [[C]]", PairwiseVerdict.Tie)]
    [InlineData("Following the format (\"[[A]]\", \"[[B]]\" or \"[[C]]\"), my verdict is [[B]]", PairwiseVerdict.B)]
    [InlineData("Assistant A is better.", PairwiseVerdict.Error)]
    [InlineData("[A]", PairwiseVerdict.Error)]
    public void Pairwise_FastChatOutputs_AreRead(string judgment, PairwiseVerdict expected)
        => Assert.Equal(expected, VerdictParser.Pairwise(judgment));

    [Theory]
    [InlineData("The answer is accurate and complete.\n\nRating: [[8]]", 8.0)]
    [InlineData("Partially correct; misses edge cases. Rating: [[6.5]]", 6.5)]
    [InlineData("Rating: [5]", 5.0)]
    [InlineData("Rating: [[3]] (after reconsidering: [[4]])", 3.0)]
    public void Rating_FastChatOutputs_AreRead(string judgment, double expected)
        => Assert.Equal(expected, VerdictParser.Rating(judgment));

    [Fact]
    public void Rating_NoRating_IsNull() => Assert.Null(VerdictParser.Rating("I would rate this highly."));
}
