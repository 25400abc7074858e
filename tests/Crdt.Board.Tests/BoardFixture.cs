using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Crdt.Board.Tests;

/// <summary>
/// One real relay process (<c>serve</c> with its gRPC port and its HTTP/1.1 web listener on
/// ephemeral 127.0.0.1 ports) with a board dispatcher ("desk"), a dispatcher device ("dispatch")
/// and two technicians ("ana", "ben") registered through the operator CLI, and one headless
/// Debian chromium driven by Playwright. Each test opens its own browser context and documents.
/// </summary>
public sealed partial class BoardFixture : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("crdt-board-test-").FullName;
    private readonly StringBuilder relayOutput = new();
    private Process? relay;
    private IPlaywright? playwright;

    public Dictionary<string, string> Tokens { get; } = [];

    /// <summary>The relay's gRPC address (devices sync here).</summary>
    public string RelayUrl { get; private set; } = "";

    /// <summary>The web listener's address; the board is at <c>{WebUrl}/board/</c>.</summary>
    public string WebUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    private string DataDirectory => Path.Combine(directory, "relay");

    /// <summary>Everything the relay process printed so far (the tests check no token is in it).</summary>
    public string RelayOutput
    {
        get { lock (relayOutput) return relayOutput.ToString(); }
    }

    public async Task InitializeAsync()
    {
        foreach (var (name, role) in new[] { ("desk", "dispatcher"), ("dispatch", "dispatcher"), ("ana", "technician"), ("ben", "technician") })
        {
            var added = await DotnetProcess.RunOkAsync(RepoPaths.RelayDll, "device", "add", "--data", DataDirectory, "--name", name, "--role", role);
            Tokens[name] = added.LastLine;
        }
        await StartRelayAsync();
        // Device commands and the relay share two cores with the browser: allow for a slow step.
        Assertions.SetDefaultExpectTimeout(20_000);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
        });
    }

    private async Task StartRelayAsync()
    {
        relay = DotnetProcess.Start(RepoPaths.RelayDll,
            ["serve", "--data", DataDirectory, "--listen", "127.0.0.1:0", "--web-listen", "127.0.0.1:0"]);
        var web = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null) return;
            lock (relayOutput) relayOutput.AppendLine(line.Data);
            if (ServingLine().Match(line.Data) is { Success: true } grpc) RelayUrl = grpc.Groups[1].Value.TrimEnd('/');
            if (WebLine().Match(line.Data) is { Success: true } match) web.TrySetResult(match.Groups[1].Value.TrimEnd('/'));
        };
        relay.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null) lock (relayOutput) relayOutput.AppendLine(line.Data);
        };
        relay.Exited += (_, _) => web.TrySetException(new InvalidOperationException($"the relay exited: {RelayOutput}"));
        relay.EnableRaisingEvents = true;
        relay.BeginOutputReadLine();
        relay.BeginErrorReadLine();
        WebUrl = await web.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>A fresh FieldApp replica file for <paramref name="user"/>, signed in to the relay.</summary>
    public async Task<FieldAppDevice> DeviceAsync(string user)
    {
        var device = new FieldAppDevice(Path.Combine(directory, $"{user}-{Guid.NewGuid():N}.db"));
        await device.RunAsync("login", "--relay", RelayUrl, "--token", Tokens[user], "--user", user);
        return device;
    }

    /// <summary>A new browser tab (its own session storage) at 1280x800 in a fixed time zone.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            TimezoneId = "Europe/Berlin",
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens the board signed in through a <c>#token=</c> link and waits for the live stream.</summary>
    public async Task<IPage> SignedInPageAsync(string user = "desk", int width = 1280, int height = 800)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync($"{WebUrl}/board/#token={Uri.EscapeDataString(Tokens[user])}");
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        if (relay is { HasExited: false })
        {
            relay.Kill(entireProcessTree: true);
            await relay.WaitForExitAsync();
        }
        relay?.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by an exiting child process: the OS temp cleaner gets it.
        }
    }

    [GeneratedRegex(@"^relay serving (http\S+) ")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^relay serving gRPC-Web on (\S+)")]
    private static partial Regex WebLine();
}

/// <summary>One FieldApp device: a replica file driven through the sample's command line.</summary>
public sealed class FieldAppDevice(string database)
{
    public Task<DotnetProcess.Result> RunAsync(params string[] args) =>
        DotnetProcess.RunOkAsync(RepoPaths.FieldAppDll, ["--db", database, .. args]);
}
