namespace StarChat.Engine.Kernels;

/// <summary>
/// A count fixed by a type, so that the JIT compiles one micro-kernel per tile shape with the unused accumulators
/// gone (generic methods over struct type arguments are specialised per argument).
/// </summary>
internal interface ITileCount
{
    static abstract int Value { get; }
}

internal struct One : ITileCount { public static int Value => 1; }
internal struct Two : ITileCount { public static int Value => 2; }
internal struct Three : ITileCount { public static int Value => 3; }
internal struct Four : ITileCount { public static int Value => 4; }
internal struct Five : ITileCount { public static int Value => 5; }
internal struct Six : ITileCount { public static int Value => 6; }
internal struct Seven : ITileCount { public static int Value => 7; }
internal struct Eight : ITileCount { public static int Value => 8; }
