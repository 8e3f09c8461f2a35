using StarChat.Engine.Models.GptBigCode;
using StarChat.Generation;
using StarChat.Testing;

namespace StarChat.Server.Tests.Support;

/// <summary>
/// The tiny fixture with the PEFT fixture adapter loaded as the named, per-request adapter <see cref="Name"/>
/// (README-hf.md §4), loaded once for the test run.
/// </summary>
internal static class TinyLoraModel
{
    public const string Name = "fixture";

    private static readonly Lazy<LocalModel> s_model = new(() => LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new ModelOptions
    {
        Threads = 1,
        Adapters = [new LoraAdapterOption(SharedPaths.Fixtures("tiny-starchat-lora"), 1f, Name)],
    }));

    public static LocalModel Shared => s_model.Value;
}
