using Sockway.Controller.Conversion;
using Sockway.Controller.Hosting.Cli;

namespace Sockway.Controller.Hosting;

/// <summary>Runs `sockway convert`: reads the file (or standard input), converts, and writes all or nothing to standard output.</summary>
internal static class ConvertCommand
{
    public static async Task<int> RunAsync(CommandLineRequest.Convert request, TextReader input, TextWriter output, TextWriter error)
    {
        string content;
        var name = request.Input == "-" ? "(stdin)" : request.Input;
        try
        {
            content = request.Input == "-" ? await ReadBoundedAsync(input) : await ReadFileAsync(request.Input);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await error.WriteLineAsync($"sockway convert: {name}: cannot read: {ex.Message}");
            return ExitCodes.Configuration;
        }

        var result = IngressConverter.Convert(name, content, request.Options);
        foreach (var line in result.Report)
        {
            await error.WriteLineAsync(line);
        }

        if (!result.Succeeded)
        {
            foreach (var problem in result.Errors)
            {
                await error.WriteLineAsync($"sockway convert: error: {problem}");
            }

            await error.WriteLineAsync("sockway convert: nothing written (fix the errors above)");
            return ExitCodes.Configuration;
        }

        await output.WriteAsync(result.Output);
        await output.FlushAsync();
        return ExitCodes.Ok;
    }

    private static async Task<string> ReadFileAsync(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new IOException("no such file");
        }

        // The parser refuses larger input anyway; reading it whole first would only cost memory.
        return info.Length > Sources.Files.ManifestParser.MaxFileBytes + 1
            ? new string(' ', Sources.Files.ManifestParser.MaxFileBytes + 1)
            : await File.ReadAllTextAsync(path);
    }

    private static async Task<string> ReadBoundedAsync(TextReader input)
    {
        var buffer = new char[Sources.Files.ManifestParser.MaxFileBytes + 2];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await input.ReadAsync(buffer.AsMemory(total))) > 0)
        {
            total += read;
        }

        return new string(buffer, 0, total);
    }
}
