using Sockway.Controller.Hosting;

// Completes socket operations on the event thread rather than a thread-pool hop (the backend side of tunnels); read
// once, when the first socket is made, so it is set before anything else. An operator's own setting wins ("0": off).
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

try
{
    await SockwayApp.Build(args).RunAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    // A setting that cannot work (a routes directory that is not there, say): one line, and a supervisor sees a failure.
    await Console.Error.WriteLineAsync("sockway: " + string.Join("; ", ex.Failures));
    return 2;
}

return 0;
