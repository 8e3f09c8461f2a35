using StarChat.Training.Lora;
using StarChat.Training.Model;

namespace StarChat.Training.Tests.Lora;

public sealed class LoraAttachmentTests
{
    [Fact]
    public void Select_CProj_MatchesAttentionAndMlpProjections()
    {
        var model = TinyRandomModel.Create<double>(seed: 1);

        var layers = LoraTargets.Select(model, ["c_proj"]);

        Assert.Equal(["transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_proj"],
            layers.Select(l => l.ModulePath));
    }

    [Fact]
    public void Select_FullPathAndDottedSuffix_MatchOneModule()
    {
        var model = TinyRandomModel.Create<double>(seed: 1);

        Assert.Equal(["transformer.h.1.mlp.c_fc"], LoraTargets.Select(model, ["transformer.h.1.mlp.c_fc"]).Select(l => l.ModulePath));
        Assert.Equal(["transformer.h.0.mlp.c_proj", "transformer.h.1.mlp.c_proj"], LoraTargets.Select(model, ["mlp.c_proj"]).Select(l => l.ModulePath));
    }

    [Fact]
    public void Select_UnknownModule_ThrowsNamingItAndTheValidNames()
    {
        var model = TinyRandomModel.Create<double>(seed: 1);

        var e = Assert.Throws<ArgumentException>(() => LoraTargets.Select(model, ["c_attn", "q_attn"]));
        Assert.Contains("'q_attn'", e.Message, StringComparison.Ordinal);
        Assert.Contains("c_attn, c_proj, c_fc", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 16, 0.05)]
    [InlineData(8, double.NaN, 0.05)]
    [InlineData(8, 16, 1.0)]
    [InlineData(8, 16, -0.1)]
    public void Attach_InvalidSettings_ThrowsArgumentException(int rank, double alpha, double dropout)
    {
        var model = TinyRandomModel.Create<double>(seed: 1);
        Assert.Throws<ArgumentException>(() => LoraAttachment.Attach(model, new LoraSettings { Rank = rank, Alpha = alpha, Dropout = dropout }, seed: 1));
    }

    [Fact]
    public void Attach_PeftDefaultInit_LeavesTheModelOutputUnchanged()
    {
        var model = TinyRandomModel.Create<double>(seed: 3);
        var batch = TinyRandomModel.Batch(seed: 4);
        double before = new GptBigCodeTrainingModel<double>(model).Evaluate(batch).CrossEntropySum;

        var adapted = LoraAttachment.Attach(model, new LoraSettings(), seed: 5);
        double after = new GptBigCodeTrainingModel<double>(model).Evaluate(batch).CrossEntropySum;

        Assert.Equal(8, adapted.Count);
        Assert.Equal(before, after);
        Assert.All(model.LoraParameters.Where(p => p.Name.Contains("lora_B", StringComparison.Ordinal)), p => Assert.All(p.Value, v => Assert.Equal(0, v)));
        Assert.All(model.LoraParameters.Where(p => p.Name.Contains("lora_A", StringComparison.Ordinal)), p =>
            Assert.All(p.Value, v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(p.Shape[1]))));
        Assert.Equal(16, model.Trainable.Count());
    }
}
