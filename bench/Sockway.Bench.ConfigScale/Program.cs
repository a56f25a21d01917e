using Sockway.Bench.ConfigScale;

// Issue 17, deliverable 4: config cost at cluster scale (10,000 routes, 50,000 endpoints) in the real Sockway host,
// standalone mode, in process. Bounded in count and time; loopback only; progress on stderr, the table on stdout.
Environment.SetEnvironmentVariable("SOCKWAY_TEST_LOG_LEVEL", "Warning");
var quick = args.Contains("--quick");
Console.WriteLine(await ClusterScale.RunAsync(quick));
