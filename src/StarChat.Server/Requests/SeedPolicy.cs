namespace StarChat.Server.Requests;

/// <summary>
/// Seeds for sampled sequences. A request without a seed gets a random one, so the seed can be reported (TGI's
/// <c>details.seed</c>) and the run repeated; the i-th choice of a request uses seed + i so choices differ.
/// </summary>
internal static class SeedPolicy
{
    /// <summary>A 64-bit OpenAI seed folded into the 32 bits the sampler takes.</summary>
    public static int Fold(long seed) => unchecked((int)seed ^ (int)(seed >> 32));

    public static int Choose(long? requested) => requested is { } s ? Fold(s) : Random.Shared.Next();

    public static int ForChoice(int seed, int choice) => unchecked(seed + choice);
}
