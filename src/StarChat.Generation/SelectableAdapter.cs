namespace StarChat.Generation;

/// <summary>A named LoRA adapter that sequences may choose (the server's per-request adapters).</summary>
/// <param name="Name">What requests call it (TGI <c>adapter_id</c>, OpenAI <c>model</c>).</param>
/// <param name="Id">The engine's adapter id (1 ..), for <see cref="StarChat.Engine.Inference.IAdapterSession.Adapter"/>.</param>
/// <param name="Path">The adapter folder it was loaded from.</param>
/// <param name="Scale">The factor on its update given at load (on top of lora_alpha/r).</param>
public sealed record SelectableAdapter(string Name, int Id, string Path, float Scale);
