using System.Numerics;
using StarChat.Training.Model;
using StarChat.Training.Tests.Fixtures;

namespace StarChat.Training.Tests.Model;

/// <summary>
/// Loss and every LoRA gradient of tiny-starchat on the fixture's 4 dialogues against the PyTorch float64 reference
/// (README-hf.md §5, tolerances §7): float64 to 1e-10, float32 to 1e-5.
/// </summary>
public sealed class FixtureGradientTests
{
    [Theory]
    [InlineData("peft_init_B_zero")]
    [InlineData("nonzero_B")]
    public void ComputeGradients_Float64_MatchesPyTorchLossAndEveryLoraGradient(string caseName)
        => CheckCase<double>(caseName, lossTolerance: 1e-10, gradientTolerance: 1e-10);

    // One float32 case: from B = 0 the lora_A gradients are exactly 0 in any precision, so the non-zero start is the
    // one that exercises every gradient's float32 rounding.
    [Fact]
    public void ComputeGradients_Float32_MatchesPyTorchWithinFloat32Tolerance()
        => CheckCase<float>("nonzero_B", lossTolerance: 1e-5, gradientTolerance: 1e-5);

    private static void CheckCase<T>(string caseName, double lossTolerance, double gradientTolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var fixture = TrainingFixture.Instance;
        var reference = fixture.Case(caseName);
        var parameters = ModelFactory.TinyWithLora<T>($"{caseName}.init.f64");
        using var pool = ModelFactory.Pool();
        var model = new GptBigCodeTrainingModel<T>(parameters, pool);
        var batch = ModelFactory.FixtureBatch(parameters.Config.VocabSize);

        var loss = model.ComputeGradients(batch, 1.0 / batch.TargetCount, dropout: null);

        Assert.Equal(782, loss.TargetCount);
        Assert.Equal(reference.GetProperty("per_sequence_kept_labels").EnumerateArray().Select(v => v.GetInt32()), loss.SequenceCounts);
        NumericAssert.Close(reference.GetProperty("loss").GetDouble(), loss.Mean, lossTolerance, "loss");
        NumericAssert.AllClose([.. reference.GetProperty("per_sequence_ce_sum").EnumerateArray().Select(v => v.GetDouble())],
            loss.SequenceSums, lossTolerance * 1000, "per-sequence CE sums");

        var expected = fixture.Raw(reference.GetProperty("grads").GetProperty("file").GetString()!);
        var norms = reference.GetProperty("grad_l2_norm_per_tensor");
        foreach (var p in parameters.Trainable)
        {
            var actual = p.Gradient!.Select(double.CreateChecked).ToArray();
            NumericAssert.AllClose(expected[p.Name], actual, gradientTolerance, p.Name);
            double expectedNorm = norms.GetProperty(p.Name).GetDouble();
            NumericAssert.Close(expectedNorm, NumericAssert.Norm(actual), Math.Max(1e-4 * expectedNorm, gradientTolerance), p.Name + " norm");
        }
        Assert.Equal(16, parameters.Trainable.Count());
    }
}
