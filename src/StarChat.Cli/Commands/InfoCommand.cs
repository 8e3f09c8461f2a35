using System.CommandLine;
using StarChat.Cli.Commands.Info;
using StarChat.Formats;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat info PATH [--json]</c>: format, hyper-parameters, tokenizer summary, file type and tensor table of a model file or folder.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A Hugging Face folder, or a .safetensors, .bin (PyTorch or legacy GGML) or .gguf file, or a Hub id org/name[/file.gguf][@revision]" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, for scripts" };
        var command = new Command("info", "Describe a model file or folder: format, hyper-parameters, tokenizer and tensors.") { path, json };
        command.SetAction(parse => Execute(parse.GetValue(path)!, parse.GetValue(json), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    public static int Execute(string path, bool json, TextWriter output, TextWriter error)
    {
        ModelReport report;
        try
        {
            using var model = ModelFile.Open(HubDownloads.Resolve(path, error, terminal: ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected));
            report = ModelReport.From(model);
        }
        catch (Exception e) when (e is ModelFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or UnauthorizedAccessException or IOException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
        if (json)
            ModelReportRenderer.WriteJson(report, output);
        else
            ModelReportRenderer.WriteTables(report, output);
        return ExitCodes.Ok;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
