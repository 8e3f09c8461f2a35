namespace StarChat.Formats.Ggml;

/// <summary>ggml's <c>ggml_ftype</c> as legacy files store it in <c>ftype % 1000</c> (formats.md §8.2; not llama.cpp's numbering).</summary>
internal static class GgmlFileType
{
    /// <summary>The name of a file type this reader accepts, or null with the reason it is refused.</summary>
    public static string? Name(int fileType, out string? refusal)
    {
        refusal = null;
        switch (fileType)
        {
            case 0: return "ALL_F32";
            case 1: return "MOSTLY_F16";
            case 2: return "MOSTLY_Q4_0";
            case 3: return "MOSTLY_Q4_1";
            case 7: return "MOSTLY_Q8_0";
            case 8: return "MOSTLY_Q5_0";
            case 9: return "MOSTLY_Q5_1";
            case 10: return "MOSTLY_Q2_K";
            case 11: return "MOSTLY_Q3_K";
            case 12: return "MOSTLY_Q4_K";
            case 13: return "MOSTLY_Q5_K";
            case 14: return "MOSTLY_Q6_K";
            case 4:
                refusal = "file type 4 (MOSTLY_Q4_1_SOME_F16) was never loadable by the starcoder example";
                return null;
            case 5:
                refusal = "file type 5 (MOSTLY_Q4_2) only existed in quantization version 0 and was removed";
                return null;
            default:
                refusal = $"unknown file type {fileType}";
                return null;
        }
    }
}
