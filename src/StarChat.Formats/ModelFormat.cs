namespace StarChat.Formats;

/// <summary>The container format the weights are stored in.</summary>
public enum ModelFormat
{
    /// <summary>safetensors (single file or Hugging Face shards).</summary>
    Safetensors,
    /// <summary>PyTorch zip checkpoint (<c>pytorch_model.bin</c>, single or sharded).</summary>
    PyTorch,
    /// <summary>GGUF v2/v3 (llama.cpp).</summary>
    Gguf,
    /// <summary>Legacy pre-GGUF GGML file of ggml's starcoder example.</summary>
    GgmlLegacy,
}
