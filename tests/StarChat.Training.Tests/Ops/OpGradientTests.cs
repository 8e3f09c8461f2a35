using StarChat.Training.Model;
using StarChat.Training.Ops;

namespace StarChat.Training.Tests.Ops;

/// <summary>Each op's backward pass against central finite differences of its forward pass, in float64 on tiny shapes.</summary>
public sealed class OpGradientTests
{
    [Fact]
    public void LayerNormBackward_MatchesFiniteDifferences_ForInputGainAndBias()
    {
        const int n = 3, d = 5;
        double[] x = FiniteDifference.Random(n * d, 1, 2), gamma = FiniteDifference.Random(d, 2, 0.5, 1), beta = FiniteDifference.Random(d, 3);
        double[] r = FiniteDifference.Random(n * d, 4);
        var output = new double[n * d];
        var mean = new double[n];
        var rstd = new double[n];
        double Objective()
        {
            LayerNormOp.Forward(null, x, gamma, beta, 1e-5, output, mean, rstd, n, d);
            return FiniteDifference.WeightedSum(r, output, n * d);
        }

        Objective();
        var dx = new double[n * d];
        var dGamma = new double[d];
        var dBeta = new double[d];
        LayerNormOp.Backward(null, r, x, gamma, mean, rstd, dx, dGamma, dBeta, n, d);

        FiniteDifference.Check("dx", x, dx, Objective);
        FiniteDifference.Check("dγ", gamma, dGamma, Objective);
        FiniteDifference.Check("dβ", beta, dBeta, Objective);
    }

    [Fact]
    public void GeluBackward_MatchesFiniteDifferences_OnBothSidesOfZero()
    {
        double[] x = [-6, -3.2, -1, -0.3, 0, 0.2, 0.9, 2.5, 7];
        double[] r = FiniteDifference.Random(x.Length, 5);
        var y = new double[x.Length];
        double Objective()
        {
            GeluOp.Forward(null, x, y, x.Length);
            return FiniteDifference.WeightedSum(r, y, x.Length);
        }

        var dx = new double[x.Length];
        GeluOp.Backward(null, x, r, dx, x.Length);

        FiniteDifference.Check("dx", x, dx, Objective);
    }

    [Fact]
    public void GeluForward_MatchesThePyTorchTanhFormula()
    {
        // gelu_pytorch_tanh(1.5) = 0.5·1.5·(1 + tanh(√(2/π)·(1.5 + 0.044715·1.5³)))
        double expected = 0.5 * 1.5 * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (1.5 + 0.044715 * 1.5 * 1.5 * 1.5)));
        Assert.Equal(expected, GeluOp.Value(1.5), 15);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void LinearWithLoraBackward_MatchesFiniteDifferences_ForEveryInput(double dropout)
    {
        const int n = 5, inF = 3, outF = 4, rank = 2;
        var weight = new Parameter<double>("m.weight", [outF, inF], FiniteDifference.Random(outF * inF, 10));
        var bias = new Parameter<double>("m.bias", [outF], FiniteDifference.Random(outF, 11));
        var a = new Parameter<double>("m.lora_A.weight", [rank, inF], FiniteDifference.Random(rank * inF, 12));
        var b = new Parameter<double>("m.lora_B.weight", [outF, rank], FiniteDifference.Random(outF * rank, 13));
        foreach (var p in new[] { weight, bias, a, b })
            p.SetTrainable(true);
        var layer = new LinearLayer<double>("m", weight, bias) { Lora = new LoraBranch<double>(a, b, 1.5, dropout) };
        double[] x = FiniteDifference.Random(n * inF, 14), r = FiniteDifference.Random(n * outF, 15);
        var lora = new LoraActivations<double>(n, inF, rank);
        var y = new double[n * outF];
        double Objective()
        {
            // The same seed every time: the same dropout mask, so the objective is a smooth function of the inputs.
            LinearOp.Forward(null, layer, x, n, y, lora, dropout > 0 ? new Random(7) : null);
            return FiniteDifference.WeightedSum(r, y, n * outF);
        }

        Objective();
        Assert.Equal(dropout > 0, lora.HasDropout);
        var dx = new double[n * inF];
        LinearOp.Backward(null, layer, x, r, n, dx, lora, new double[n * inF]);

        FiniteDifference.Check("dx", x, dx, Objective);
        FiniteDifference.Check("dW", weight.Value, weight.Gradient!, Objective);
        FiniteDifference.Check("db", bias.Value, bias.Gradient!, Objective);
        FiniteDifference.Check("dA", a.Value, a.Gradient!, Objective);
        FiniteDifference.Check("dB", b.Value, b.Gradient!, Objective);
    }

    [Fact]
    public void MultiQueryAttentionBackward_MatchesFiniteDifferences_AcrossTwoSequences()
    {
        const int heads = 2, d = 3, width = heads * d + 2 * d;
        int[] rowStart = [0, 0, 0, 0, 4, 4, 4];       // sequences of 4 and 3 rows
        int[] sequenceEnd = [4, 4, 4, 4, 7, 7, 7];
        int n = rowStart.Length;
        double alpha = 1 / Math.Sqrt(d);
        double[] qkv = FiniteDifference.Random(n * width, 20, 1.5), r = FiniteDifference.Random(n * heads * d, 21);
        var output = new double[n * heads * d];
        var lse = new double[n * heads];
        double Objective()
        {
            MultiQueryAttentionOp.Forward(null, qkv, rowStart, n, heads, d, alpha, output, lse, maxLength: 4);
            return FiniteDifference.WeightedSum(r, output, output.Length);
        }

        Objective();
        var dQkv = new double[n * width];
        MultiQueryAttentionOp.Backward(null, qkv, output, lse, r, dQkv, new double[n * heads], rowStart, sequenceEnd, n, heads, d, alpha, maxLength: 4);

        FiniteDifference.Check("dqkv", qkv, dQkv, Objective);
    }

    [Fact]
    public void MultiQueryAttentionForward_FirstPositionCopiesItsValue()
    {
        // With one visible key the softmax is 1: every head outputs v_0, and lse is the single score.
        const int heads = 2, d = 2, width = heads * d + 2 * d;
        double[] qkv = [1, 2, 3, 4, /* k */ 0.5, -1, /* v */ 7, 8];
        var output = new double[heads * d];
        var lse = new double[heads];
        MultiQueryAttentionOp.Forward(null, qkv, [0], 1, heads, d, 1.0, output, lse, 1);

        Assert.Equal([7, 8, 7, 8], output);
        Assert.Equal([1 * 0.5 - 2, 3 * 0.5 - 4], lse);
        _ = width;
    }

    [Theory]
    [InlineData(9, 7, 5)]        // one chunk, one vocabulary block
    [InlineData(70, 1100, 4)]    // two chunks of rows, three blocks (the last one partial)
    public void CrossEntropyHeadBackward_MatchesFiniteDifferences_ForInputAndTiedEmbedding(int n, int v, int d)
    {
        double[] h = FiniteDifference.Random(n * d, 30, 1.5), wte = FiniteDifference.Random(v * d, 31, 1.5);
        var random = new Random(32);
        int[] targets = [.. Enumerable.Range(0, n).Select(i => i % 3 == 1 ? -100 : random.Next(v))];
        const double scale = 0.37;
        var head = new CrossEntropyHeadOp<double>(v, d);
        var rowLoss = new double[n];
        double Objective() => scale * head.Run(null, h, targets, n, wte, 0, null, null, rowLoss);

        var dh = new double[n * d];
        var dWte = new double[v * d];
        double sum = head.Run(null, h, targets, n, wte, scale, dh, dWte, rowLoss);

        Assert.Equal(sum, rowLoss.Sum(), 9);
        Assert.All(Enumerable.Range(0, n).Where(i => targets[i] < 0), i => Assert.Equal(0, rowLoss[i]));
        var indices = n * d <= 64 ? null : Enumerable.Range(0, 40).Select(_ => random.Next(n * d)).ToList();
        FiniteDifference.Check("dh", h, dh, Objective, indices: indices);
        var wteIndices = v * d <= 64 ? null : Enumerable.Range(0, 40).Select(_ => random.Next(v * d)).Concat([(v - 1) * d]).ToList();
        FiniteDifference.Check("dwte", wte, dWte, Objective, indices: wteIndices);
    }

    [Fact]
    public void CrossEntropyHead_ThreadCountDoesNotChangeResults()
    {
        const int n = 70, v = 1100, d = 8;
        float[] h = [.. FiniteDifference.Random(n * d, 40).Select(x => (float)x)];
        float[] wte = [.. FiniteDifference.Random(v * d, 41).Select(x => (float)x)];
        int[] targets = [.. Enumerable.Range(0, n).Select(i => (i * 37) % v)];
        (double Sum, float[] Dh) Run(Engine.Threading.WorkerPool? pool)
        {
            var dh = new float[n * d];
            double sum = new CrossEntropyHeadOp<float>(v, d).Run(pool, h, targets, n, wte, 0.1f, dh, null, new double[n]);
            return (sum, dh);
        }

        var serial = Run(null);
        using var pool = new Engine.Threading.WorkerPool(3);
        var parallel = Run(pool);

        Assert.Equal(serial.Sum, parallel.Sum);
        Assert.Equal(serial.Dh, parallel.Dh);
    }
}
