using StarChat.Evaluation.LmEval.Data;
using StarChat.Testing;

namespace StarChat.Evaluation.LmEval.Tests;

public class CsvReaderTests
{
    [Fact]
    public void Parse_QuotedFieldsWithNewlinesAndQuotes_KeepsThem()
    {
        var rows = CsvReader.Parse("a,\"b,\r\nc\",\"say \"\"hi\"\"\"\r\nd,e,f\n", "x.csv");
        Assert.Equal(2, rows.Count);
        Assert.Equal(["a", "b,\r\nc", "say \"hi\""], rows[0].Fields);
        Assert.Equal(3, rows[1].Line);
        Assert.Equal(["d", "e", "f"], rows[1].Fields);
    }

    [Fact]
    public void Parse_UnclosedQuote_NamesFileAndLine()
    {
        var e = Assert.Throws<DataFileException>(() => CsvReader.Parse("a,b\nc,\"d\n", "bad.csv"));
        Assert.Equal(("bad.csv", 2), (e.FilePath, e.Line));
    }

    [Fact]
    public void Parse_EveryMmluTestFile_GivesPublishedCounts()
    {
        // lm-eval.md §3.3: 14,042 test rows over 57 subjects, each with 6 fields.
        int total = 0;
        foreach (var file in Directory.GetFiles(SharedPaths.Data("lm-eval", "mmlu", "data", "test"), "*.csv"))
        {
            var rows = CsvReader.Parse(File.ReadAllText(file), file);
            Assert.All(rows, r => Assert.Equal(6, r.Fields.Length));
            total += rows.Count;
        }
        Assert.Equal(14042, total);
    }
}
