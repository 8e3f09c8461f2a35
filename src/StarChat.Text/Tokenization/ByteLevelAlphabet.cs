namespace StarChat.Text.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: every byte gets a printable character so a byte string can live in a
/// string vocabulary. Printable Latin-1 bytes (0x21–0x7E, 0xA1–0xAC, 0xAE–0xFF) map to themselves; the other 68
/// bytes, in increasing order, map to U+0100, U+0101, … (so 0x20 → 'Ġ' U+0120, 0x0A → 'Ċ' U+010A).
/// </summary>
public static class ByteLevelAlphabet
{
    /// <summary>Byte → character.</summary>
    internal static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Character (U+0000–U+01FF) → byte, or -1 when the character is not in the alphabet.</summary>
    internal static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(0x100 + next++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x200];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++)
            map[ByteToChar[b]] = (short)b;
        return map;
    }

    /// <summary>
    /// Maps a byte-level token string back to its bytes, one per character, into <paramref name="destination"/> (at
    /// least as long as the token); false when a character is outside the alphabet.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> token, Span<byte> destination)
    {
        for (int i = 0; i < token.Length; i++)
        {
            int b = ByteOf(token[i]);
            if (b < 0)
                return false;
            destination[i] = (byte)b;
        }
        return true;
    }

    /// <summary>True when every character of <paramref name="token"/> is in the alphabet (it stands for one byte each).</summary>
    public static bool IsByteLevel(ReadOnlySpan<char> token)
    {
        foreach (char c in token)
        {
            if (ByteOf(c) < 0)
                return false;
        }
        return true;
    }

    private static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    /// <summary>Maps bytes to their byte-level token string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }
}
