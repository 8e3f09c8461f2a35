namespace StarChat.Engine.Kernels;

/// <summary>
/// One rung of the SIMD ladder every kernel implements. All rungs compute the same maths; they differ in vector
/// width and therefore in summation order, so results may differ in the last bits between rungs.
/// </summary>
public enum KernelPath
{
    /// <summary>Plain scalar loops: the reference every vector path is tested against.</summary>
    Scalar = 0,

    /// <summary><c>Vector256&lt;float&gt;</c> (AVX2 + FMA on x64).</summary>
    Vector256 = 1,

    /// <summary><c>Vector512&lt;float&gt;</c> (AVX-512F/BW on x64).</summary>
    Vector512 = 2,
}
