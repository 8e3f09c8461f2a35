using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Formats;
using StarChat.Testing;
using StarChat.Training.Lora;
using StarChat.Training.Model;
using StarChat.Training.Tests.Fixtures;

namespace StarChat.Training.Tests;

/// <summary>The tiny fixture model with the fixture's LoRA branches (r 8, alpha 16, dropout 0, all four layers per block).</summary>
internal static class ModelFactory
{
    public static readonly LoraSettings FixtureLora = new() { Rank = 8, Alpha = 16, Dropout = 0, TargetModules = ["c_attn", "c_proj", "c_fc"] };

    public static string TinyStarChatPath => SharedPaths.Fixtures("tiny-starchat");

    public static GptBigCodeParameters<T> TinyWithLora<T>(string initialFile) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = Tiny<T>();
        var init = TrainingFixture.Instance.Raw(initialFile);
        LoraAttachment.Attach(parameters, FixtureLora, (_, name, _) => [.. init[name].Select(T.CreateChecked)]);
        return parameters;
    }

    public static GptBigCodeParameters<T> Tiny<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var model = ModelFile.Open(TinyStarChatPath);
        return GptBigCodeParameters.Load<T>(model.Weights, model.RequireConfig());
    }

    public static TrainingBatch FixtureBatch(int vocabulary)
        => TrainingBatch.Create(TrainingFixture.Instance.Sequences, vocabulary, 512);

    public static WorkerPool Pool() => new(2);
}
