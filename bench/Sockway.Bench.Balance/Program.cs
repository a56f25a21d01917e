using Sockway.Bench.Balance;

// Issue 4's benchmark: balance quality under churn per policy, and the cost of frame tracking on echo throughput.
// Every loop is bounded in count and time; loopback only; progress on stderr.
Environment.SetEnvironmentVariable("SOCKWAY_TEST_LOG_LEVEL", "Critical");
var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var churn = only is null or "churn" ? await BalanceUnderChurn.RunAsync(quick) : string.Empty;
var tracking = only is null or "tracking" ? await TrackingCost.RunAsync(quick) : string.Empty;

Console.WriteLine();
Console.WriteLine(churn);
Console.WriteLine(tracking);
