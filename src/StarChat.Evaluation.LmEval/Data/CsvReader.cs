using System.Text;

namespace StarChat.Evaluation.LmEval.Data;

/// <summary>
/// RFC 4180 CSV as Python's <c>csv</c> module reads the MMLU files: comma separated, fields optionally quoted with
/// <c>"</c> (a doubled quote inside is one quote), quoted fields may hold commas, CR and LF; records end at LF, CRLF or
/// CR. Like Python's default (non-strict) dialect, a quote inside an unquoted field is a plain character.
/// </summary>
internal static class CsvReader
{
    /// <summary>The records of <paramref name="text"/>, each with the 1-based line it starts on.</summary>
    /// <exception cref="DataFileException">A quoted field is never closed.</exception>
    public static List<(int Line, string[] Fields)> Parse(string text, string path)
    {
        var records = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool inRecord = false;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"' && field.Length == 0)
            {
                int openedAt = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new DataFileException(path, openedAt, "quoted field is never closed");
                    char q = text[i++];
                    if (q == '"')
                    {
                        if (i < text.Length && text[i] == '"') { field.Append('"'); i++; continue; }
                        break;
                    }
                    if (q == '\n') line++;
                    field.Append(q);
                }
                // Text after the closing quote is kept, as Python's non-strict reader does.
                inRecord = true;
                continue;
            }
            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                inRecord = true;
                i++;
                continue;
            }
            if (c is '\r' or '\n')
            {
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                if (inRecord || field.Length > 0)
                {
                    fields.Add(field.ToString());
                    records.Add((recordLine, fields.ToArray()));
                }
                fields.Clear();
                field.Clear();
                inRecord = false;
                line++;
                recordLine = line;
                continue;
            }
            field.Append(c);
            inRecord = true;
            i++;
        }
        if (inRecord || field.Length > 0)
        {
            fields.Add(field.ToString());
            records.Add((recordLine, fields.ToArray()));
        }
        return records;
    }
}
