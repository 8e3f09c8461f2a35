using StarChat.Generation;
using StarChat.Testing;

namespace StarChat.Server.Tests.Support;

/// <summary>
/// The tiny StarChat fixture (n_embd 64, 2 layers, 512 positions, the real StarCoder + StarChat vocabulary), loaded
/// once for the whole test run. Schedulers and servers share it: model calls are serialized by the engine.
/// </summary>
internal static class TinyModel
{
    private static readonly Lazy<LocalModel> s_model = new(() => LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new Engine.Models.GptBigCode.ModelOptions { Threads = 1 }));

    public static LocalModel Shared => s_model.Value;
}
