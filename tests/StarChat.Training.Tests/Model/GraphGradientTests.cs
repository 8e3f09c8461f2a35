using StarChat.Training.Lora;
using StarChat.Training.Model;
using StarChat.Training.Tests.Ops;

namespace StarChat.Training.Tests.Model;

/// <summary>
/// The whole GPTBigCode graph against central finite differences, in float64 on a tiny random model with every
/// tensor trainable (tied embedding and head, positions, LayerNorms, every linear layer) and LoRA on every layer.
/// </summary>
public sealed class GraphGradientTests
{
    [Fact]
    public void ComputeGradients_EveryTensorTrainable_MatchesFiniteDifferences()
    {
        var model = TinyRandomModel.Create<double>(seed: 50);
        var random = new Random(51);
        LoraAttachment.Attach(model, new LoraSettings { Rank = 2, Alpha = 3, Dropout = 0 }, (_, _, shape) =>
            [.. Enumerable.Range(0, shape[0] * shape[1]).Select(_ => 0.3 * (2 * random.NextDouble() - 1))]);
        foreach (var p in model.All)
            p.SetTrainable(true);
        var graph = new GptBigCodeTrainingModel<double>(model);
        var batch = TinyRandomModel.Batch(seed: 52);

        var loss = graph.ComputeGradients(batch, 1.0 / batch.TargetCount, dropout: null);
        double Objective() => graph.Evaluate(batch).Mean;

        Assert.Equal(7, batch.TargetCount);   // labels shifted by one: 4 kept in the first sequence, 3 in the second
        Assert.Equal(loss.Mean, Objective(), 12);
        foreach (var p in model.All)
        {
            // A few coordinates per tensor, always including the first and the last.
            var indices = new[] { 0, p.Value.Length - 1 }.Concat(Enumerable.Range(0, 4).Select(_ => random.Next(p.Value.Length))).Distinct();
            FiniteDifference.Check(p.Name, p.Value, p.Gradient!, Objective, 1e-7, indices);
        }
    }

    [Fact]
    public void ComputeGradients_AccumulatesAcrossCalls()
    {
        var model = TinyRandomModel.Create<double>(seed: 60);
        LoraAttachment.Attach(model, new LoraSettings { Rank = 2, Dropout = 0 }, seed: 61);
        var graph = new GptBigCodeTrainingModel<double>(model);
        var batch = TinyRandomModel.Batch(seed: 62);

        graph.ComputeGradients(batch, 1.0, dropout: null);
        var once = model.Trainable.Select(p => (double[])p.Gradient!.Clone()).ToList();
        graph.ComputeGradients(batch, 1.0, dropout: null);

        var twice = model.Trainable.Select(p => p.Gradient!).ToList();
        for (int t = 0; t < once.Count; t++)
            Assert.Equal(once[t].Select(g => 2 * g), twice[t]);
    }

    [Fact]
    public void Evaluate_FrozenModel_LeavesGradientsAlone()
    {
        var model = TinyRandomModel.Create<double>(seed: 70);
        model.FinalNormWeight.SetTrainable(true);
        var graph = new GptBigCodeTrainingModel<double>(model);

        var loss = graph.Evaluate(TinyRandomModel.Batch(seed: 71));

        Assert.True(double.IsFinite(loss.Mean));
        Assert.All(model.FinalNormWeight.Gradient!, g => Assert.Equal(0, g));
    }
}
