using Sockway.Controller.Hosting;

var app = SockwayApp.Build(args);
await app.RunAsync();
