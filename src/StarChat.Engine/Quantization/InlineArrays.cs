using System.Runtime.CompilerServices;

namespace StarChat.Engine.Quantization;

// Fixed-size fields of the packed ggml block structs. Each is as wide as its elements and aligned to them, so a
// block struct with Pack = 1 has exactly the on-disk layout.

/// <summary>4 bytes.</summary>
[InlineArray(4)]
internal struct Bytes4
{
    private byte _element;
}

/// <summary>12 bytes.</summary>
[InlineArray(12)]
internal struct Bytes12
{
    private byte _element;
}

/// <summary>16 bytes.</summary>
[InlineArray(16)]
internal struct Bytes16
{
    private byte _element;
}

/// <summary>32 bytes.</summary>
[InlineArray(32)]
internal struct Bytes32
{
    private byte _element;
}

/// <summary>64 bytes.</summary>
[InlineArray(64)]
internal struct Bytes64
{
    private byte _element;
}

/// <summary>128 bytes.</summary>
[InlineArray(128)]
internal struct Bytes128
{
    private byte _element;
}

/// <summary>16 signed bytes.</summary>
[InlineArray(16)]
internal struct SBytes16
{
    private sbyte _element;
}

/// <summary>32 signed bytes.</summary>
[InlineArray(32)]
internal struct SBytes32
{
    private sbyte _element;
}

/// <summary>256 signed bytes.</summary>
[InlineArray(256)]
internal struct SBytes256
{
    private sbyte _element;
}

/// <summary>16 little-endian 16-bit integers.</summary>
[InlineArray(16)]
internal struct Int16s16
{
    private short _element;
}
