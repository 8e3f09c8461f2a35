using System.Globalization;
using System.Text;

namespace StarChat.Text.Tokenization;

/// <summary>
/// The character classes the GPT-2 pre-tokenizer regex uses, decided per Unicode scalar value (not per UTF-16 unit,
/// so astral letters and digits classify like Oniguruma does in Hugging Face <c>tokenizers</c>).
/// </summary>
internal static class UnicodeClasses
{
    /// <summary>Pre-tokenizer class of a scalar value.</summary>
    public enum Class : byte
    {
        /// <summary>Anything else: punctuation, symbols, controls, unassigned.</summary>
        Other,
        /// <summary><c>\p{L}</c>: Lu, Ll, Lt, Lm, Lo.</summary>
        Letter,
        /// <summary><c>\p{N}</c>: Nd, Nl, No.</summary>
        Number,
        /// <summary><c>\s</c>.</summary>
        Space,
    }

    private static readonly Class[] s_latin1 = BuildLatin1();

    private static Class[] BuildLatin1()
    {
        var table = new Class[256];
        for (int c = 0; c < 256; c++)
            table[c] = Classify(new Rune(c));
        return table;
    }

    /// <summary>Class of a BMP character that is not a surrogate; Latin-1 comes from a table.</summary>
    public static Class Of(Rune r) => r.Value < 256 ? s_latin1[r.Value] : Classify(r);

    private static Class Classify(Rune r)
    {
        if (IsSpace(r.Value))
            return Class.Space;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Class.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Class.Number,
            _ => Class.Other,
        };
    }

    /// <summary>
    /// Oniguruma's <c>\s</c> under Unicode: the White_Space property (TAB–CR, space, NEL, NBSP, OGHAM SPACE MARK,
    /// U+2000–U+200A, LINE/PARAGRAPH SEPARATOR, NNBSP, MMSP, IDEOGRAPHIC SPACE). Not U+001C–U+001F, not ZWSP.
    /// </summary>
    public static bool IsSpace(int c) => c switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>Rust's <c>char::is_numeric</c>: general category N (Nd, Nl, No). The Digits pre-tokenizer isolates these.</summary>
    public static bool IsNumeric(Rune r) => Of(r) == Class.Number;

    /// <summary>Rust regex <c>\w</c> (Unicode): letters, marks, decimal digits, connector punctuation.</summary>
    public static bool IsWordChar(Rune r)
    {
        var category = Rune.GetUnicodeCategory(r);
        return category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.ConnectorPunctuation
            || r.Value is 0x200C or 0x200D;
    }
}
