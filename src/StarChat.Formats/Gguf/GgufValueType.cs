namespace StarChat.Formats.Gguf;

/// <summary>GGUF metadata value types, with the ids the file stores (u32).</summary>
public enum GgufValueType : uint
{
    /// <summary>u8.</summary>
    UInt8 = 0,
    /// <summary>i8.</summary>
    Int8 = 1,
    /// <summary>u16.</summary>
    UInt16 = 2,
    /// <summary>i16.</summary>
    Int16 = 3,
    /// <summary>u32.</summary>
    UInt32 = 4,
    /// <summary>i32.</summary>
    Int32 = 5,
    /// <summary>IEEE binary32.</summary>
    Float32 = 6,
    /// <summary>One byte, 0 or 1.</summary>
    Bool = 7,
    /// <summary>u64 byte length, then UTF-8 bytes without terminator.</summary>
    String = 8,
    /// <summary>Element type (u32), count (u64), then the elements (nested arrays allowed).</summary>
    Array = 9,
    /// <summary>u64.</summary>
    UInt64 = 10,
    /// <summary>i64.</summary>
    Int64 = 11,
    /// <summary>IEEE binary64.</summary>
    Float64 = 12,
}
