using System.CommandLine;
using StarChat.Formats.Peft;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat merge</c>: fold LoRA adapters into a Hugging Face model and write a new folder.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("Base model: a Hugging Face folder (F32, F16 or BF16 safetensors or pytorch_model.bin)");
        var lora = new LoraCliOptions();
        lora.Lora.Required = true;
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to write (model.safetensors, config and tokenizer files)", Required = true };
        var command = new Command("merge", "Merge PEFT LoRA adapters into a model: W' = W + scale·B·A, written in the weights' own dtype.") { model, output };
        lora.AddTo(command);
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                string basePath = CommonOptions.RequireModel(parse.GetValue(model), context);
                var options = lora.Adapters(parse, context);
                var adapters = new List<LoraAdapter>();
                try
                {
                    foreach (var option in options)
                        adapters.Add(LoraAdapter.Open(option.Path));
                    var result = LoraMerge.Merge(basePath, [.. adapters.Select((a, i) => (a, (double)options[i].Scale))], parse.GetValue(output)!.FullName);
                    context.Err.WriteLine($"merged {result.MergedTensors.Count} weights from {adapters.Count} adapter(s) into {result.WeightsFile}; copied {string.Join(", ", result.CopiedFiles)}");
                    return ExitCodes.Ok;
                }
                finally
                {
                    foreach (var a in adapters)
                        a.Dispose();
                }
            });
        });
        return command;
    }
}
