namespace StarChat.Evaluation.Backends;

/// <summary>Which wire protocol a remote endpoint speaks.</summary>
public enum EndpointApi
{
    /// <summary>OpenAI-compatible: <c>POST /v1/completions</c> and <c>POST /v1/chat/completions</c> (vLLM, TGI ≥ 1.4, llama.cpp, our server).</summary>
    OpenAi,
    /// <summary>Text Generation Inference's native <c>POST /generate</c> for completions; chat goes to its OpenAI route.</summary>
    Tgi,
}
