using Sockway.Bench;

// sockway-bench: the WebSocket load generator and echo backend behind bench/run.sh.
//   backend --port P                                  fast echo backend (no greeting)
//   echo    --url ws://… --connections N --size S --seconds T [--rate R]   throughput and round trips
//   idle    --url ws://… --pid PID --counts 2000,10000 [--hold 5]         proxy RSS per idle connection
//   upgrades --url ws://… --concurrency C --seconds T                      new connections per second
//   churn   --url ws://… --routes FILE --seconds T                          abnormal closes while config changes
// Every scenario is bounded in time and count, targets loopback only, prints progress to stderr and one JSON line to stdout.
var options = Options.Parse(args);
try
{
    return options.Command switch
    {
        "backend" => await EchoBackend.RunAsync(options),
        "echo" => await EchoScenario.RunAsync(options),
        "idle" => await IdleScenario.RunAsync(options),
        "upgrades" => await UpgradeScenario.RunAsync(options),
        "churn" => await ChurnScenario.RunAsync(options),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    // A bad option is the user's to fix: say which, without a stack trace.
    Console.Error.WriteLine($"sockway-bench {options.Command}: {ex.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: sockway-bench backend|echo|idle|upgrades|churn [options]; see Program.cs");
    return 2;
}
