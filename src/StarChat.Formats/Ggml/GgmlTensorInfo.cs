using StarChat.Engine.Tensors;

namespace StarChat.Formats.Ggml;

/// <summary>One tensor record of a legacy GGML file.</summary>
/// <param name="Name">Name as stored (e.g. <c>model/h0/attn/c_attn/w</c>).</param>
/// <param name="Type">Element or block type.</param>
/// <param name="Shape">Dimensions outermost first (the stored <c>ne</c> reversed).</param>
/// <param name="DataOffset">File offset of the data.</param>
/// <param name="ByteLength">Bytes of data.</param>
/// <param name="RecordOffset">File offset of the record header, for messages.</param>
public sealed record GgmlTensorInfo(string Name, TensorType Type, TensorShape Shape, long DataOffset, long ByteLength, long RecordOffset);
