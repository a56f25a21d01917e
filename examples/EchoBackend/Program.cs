using System.Net.WebSockets;

// A demo backend: a WebSocket echo at /echo that says which instance answered, and a page that uses it.
var builder = WebApplication.CreateSlimBuilder(args);
var name = builder.Configuration["name"] ?? Environment.MachineName;
var app = builder.Build();
app.UseWebSockets();
var page = new StreamReader(typeof(Program).Assembly.GetManifestResourceStream("index.html")!).ReadToEnd();
app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));

app.MapGet("/whoami", (HttpRequest request) => Results.Text($"{name} host={request.Host}\n"));
app.Map("/echo", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        await context.Response.WriteAsync($"{name}: this is a WebSocket endpoint; open it with a WebSocket client\n");
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes($"connected to {name}"), WebSocketMessageType.Text, true, context.RequestAborted);
    var buffer = new byte[64 * 1024];
    while (true)
    {
        var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
        if (received.MessageType == WebSocketMessageType.Close)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            return;
        }

        await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
    }
});

app.Run();
