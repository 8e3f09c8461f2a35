namespace StarChat.Benchmarks.Kernels;

/// <summary>A linear layer's weight <c>[Out, In]</c>, named after the StarCoderBase-1B tensor it stands for.</summary>
public sealed record WeightShape(string Name, int Out, int In)
{
    // StarCoderBase-1B: n_embd 2048, 16 heads of 128, MQA (one K/V head), n_inner 8192.
    public static IEnumerable<WeightShape> StarCoder1B =>
    [
        new("c_attn", 2048 + 2 * 128, 2048),
        new("c_fc", 8192, 2048),
        new("c_proj", 2048, 8192),
    ];

    public override string ToString() => $"{Name} {Out}x{In}";
}
