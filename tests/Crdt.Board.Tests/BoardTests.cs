using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crdt.Board.Tests;

/// <summary>
/// The dispatcher board in headless chromium against a real relay process, with FieldApp processes
/// as the devices: sign-in and refusal, live orders, a WorkOnClosedOrder flag settled in the page
/// and counted on the technician's replica, and a stale edit refused as "changed meanwhile".
/// </summary>
public sealed class BoardTests(BoardFixture relay) : IClassFixture<BoardFixture>
{
    [Fact]
    public async Task A_dispatcher_signs_in_with_the_form_and_the_token_stays_out_of_urls_and_logs()
    {
        var page = await relay.NewPageAsync();
        var urls = new List<string>();
        page.Request += (_, request) => urls.Add(request.Url);
        var whoAmI = page.WaitForResponseAsync(r => r.Url.EndsWith(".Sync/WhoAmI", StringComparison.Ordinal));
        var board = await page.GotoAsync($"{relay.WebUrl}/board/");

        await page.GetByLabel("Device token").FillAsync(relay.Tokens["desk"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator("#who")).ToContainTextAsync("desk (dispatcher, tenant default)");
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        Assert.Equal(relay.Tokens["desk"], await page.EvaluateAsync<string>("sessionStorage.getItem('crdt-board-token')"));
        // The page's own headers: a CSP without inline scripts; the API's answers are not cached.
        var csp = board!.Headers["content-security-policy"];
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("no-store", (await whoAmI).Headers["cache-control"]);
        Assert.DoesNotContain(urls, url => url.Contains(relay.Tokens["desk"], StringComparison.Ordinal));
        Assert.DoesNotContain(relay.Tokens["desk"], relay.RelayOutput, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_token_link_signs_in_and_leaves_the_address_bar()
    {
        var page = await relay.SignedInPageAsync();

        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#who")).ToContainTextAsync("desk (dispatcher");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_lost_live_stream_shows_retrying_and_comes_back_live()
    {
        var page = await relay.NewPageAsync();
        // The relay's Watch cannot be reached (as when the network drops): the page says so and retries.
        await page.RouteAsync("**/crdtfieldstore.v1.Documents/Watch", route => route.AbortAsync());
        await page.GotoAsync($"{relay.WebUrl}/board/#token={Uri.EscapeDataString(relay.Tokens["desk"])}");
        await Expect(page.Locator("#connection")).ToContainTextAsync("Connection lost, retrying");

        await page.UnrouteAllAsync();
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_technician_token_is_refused_with_a_clear_message()
    {
        var page = await relay.NewPageAsync();
        await page.GotoAsync($"{relay.WebUrl}/board/");

        await page.GetByLabel("Device token").FillAsync(relay.Tokens["ana"]);
        await page.GetByLabel("Device token").PressAsync("Enter");

        await Expect(page.Locator("#sign-in-error")).ToContainTextAsync("This is ana's technician token. The board is for dispatchers and admins");
        await Expect(page.Locator("#board")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('crdt-board-token')"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_unknown_token_is_refused()
    {
        var page = await relay.NewPageAsync();
        await page.GotoAsync($"{relay.WebUrl}/board/#token=not-a-real-token");

        await Expect(page.Locator("#sign-in-error")).ToContainTextAsync("not valid");
        await Expect(page.Locator("#board")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_order_created_by_a_device_appears_live_and_filters_find_it()
    {
        var page = await relay.SignedInPageAsync();
        var dispatch = await relay.DeviceAsync("dispatch");

        await dispatch.RunAsync("create", "workorder", "--id", "WO-LIVE", "title=Chiller inspection", "assignee=ben", "address=Harbour Road 7");
        await dispatch.RunAsync("sync");

        var row = page.Locator("#orders tbody tr[data-id='WO-LIVE']");
        await Expect(row).ToContainTextAsync("Chiller inspection");
        await Expect(row).ToContainTextAsync("ben");
        await Expect(row).ToContainTextAsync("open");

        await page.GetByLabel("Search orders").FillAsync("harbour");
        await Expect(page.Locator("#orders tbody tr")).ToHaveCountAsync(1);
        await page.GetByLabel("Search orders").FillAsync("");
        await page.GetByLabel("Filter by assignee").SelectOptionAsync("ben");
        await Expect(row).ToBeVisibleAsync();
        await page.GetByLabel("Filter by status").SelectOptionAsync("completed");
        await Expect(row).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Hours_logged_offline_on_an_order_completed_meanwhile_are_accepted_in_the_page_and_count_on_the_technicians_replica()
    {
        var dispatch = await relay.DeviceAsync("dispatch");
        await dispatch.RunAsync("create", "customer", "--id", "C-HARBOUR", "name=Harbour Dairy");
        await dispatch.RunAsync("create", "workorder", "--id", "WO-SEED", "title=Pump service", "assignee=ana",
            "customer=Customer/C-HARBOUR", "scheduledStart=2026-05-14T08:00:00Z");
        await dispatch.RunAsync("sync");
        var ana = await relay.DeviceAsync("ana");
        await ana.RunAsync("agenda");
        // Ana works offline; meanwhile the dispatcher completes the order.
        await ana.RunAsync("offline", "on");
        await ana.RunAsync("hours", "WO-SEED", "2.5", "--note", "replaced seal");
        await dispatch.RunAsync("complete", "WO-SEED");
        await dispatch.RunAsync("sync");
        await ana.RunAsync("offline", "off");
        await ana.RunAsync("sync");

        var page = await relay.SignedInPageAsync();
        await Expect(page.Locator("#flag-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#orders tbody tr[data-id='WO-SEED']")).ToContainTextAsync("Harbour Dairy");
        // 08:00 UTC in the page's Europe/Berlin time zone.
        await Expect(page.Locator("#orders tbody tr[data-id='WO-SEED']")).ToContainTextAsync("14 May 2026 at 10:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Flags inbox" }).ClickAsync();
        var flag = page.Locator("#flags li.flag");
        // Both sides in words, with when each happened (browser time zone).
        await Expect(flag.Locator(".headline")).ToHaveTextAsync(new Regex(
            @"^ana logged 2\.5 h on \d+ \w+ \d{4} at \d\d:\d\d \(“replaced seal”\) after dispatch completed the order on \d+ \w+ \d{4} at \d\d:\d\d\.$"));
        await page.ScreenshotAsync(new() { Path = Screenshot("board-flags.png") });

        // The order shows the entry marked and not counted.
        await page.GetByRole(AriaRole.Button, new() { Name = "Orders", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open order WO-SEED" }).ClickAsync();
        await Expect(page.Locator("#order-hours")).ToContainTextAsync("0 (flagged entries not counted)");
        await Expect(page.Locator("#order tr.held-back")).ToContainTextAsync("flagged: not counted");
        await page.ScreenshotAsync(new() { Path = Screenshot("board.png") });

        await page.GetByRole(AriaRole.Button, new() { Name = "Flags inbox" }).ClickAsync();
        await flag.GetByRole(AriaRole.Button, new() { Name = "Accept: count this work" }).ClickAsync();
        await Expect(page.Locator("#flag-count")).ToHaveTextAsync("0");
        await Expect(page.Locator("#flags")).ToContainTextAsync("No open flags.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Orders", Exact = true }).ClickAsync();
        await Expect(page.Locator("#order-hours")).ToHaveTextAsync("2.5");
        await Expect(page.Locator("#orders tbody tr[data-id='WO-SEED']")).ToContainTextAsync("2.5");

        // The resolution is an op like any other: the technician's next sync counts the hours.
        await ana.RunAsync("sync");
        var shown = await ana.RunAsync("show", "WO-SEED");
        Assert.Matches(new Regex(@"total hours\s+2\.5\b"), shown.Stdout);
        Assert.DoesNotContain("held back", shown.Stdout, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_stale_edit_gets_changed_meanwhile_and_nothing_is_overwritten()
    {
        var dispatch = await relay.DeviceAsync("dispatch");
        await dispatch.RunAsync("create", "workorder", "--id", "WO-STALE", "title=Boiler check", "assignee=ben");
        await dispatch.RunAsync("sync");
        var page = await relay.SignedInPageAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open order WO-STALE" }).ClickAsync();
        await page.GetByLabel("Title").FillAsync("Boiler check (board)");

        // A device changes the order while the page has the old version open.
        await dispatch.RunAsync("set", "WO-STALE", "title=Boiler check and flue");
        await dispatch.RunAsync("sync");
        await Expect(page.Locator("#order-changed")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.Locator("#order [role=alert]")).ToContainTextAsync("changed meanwhile");
        await Expect(page.Locator("#orders tbody tr[data-id='WO-STALE']")).ToContainTextAsync("Boiler check and flue");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reload order" }).ClickAsync();
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Boiler check and flue");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_edit_and_an_assignment_from_the_page_reach_a_device()
    {
        var dispatch = await relay.DeviceAsync("dispatch");
        await dispatch.RunAsync("create", "workorder", "--id", "WO-ASSIGN", "title=Valve swap", "assignee=ben");
        await dispatch.RunAsync("sync");
        var page = await relay.SignedInPageAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open order WO-ASSIGN" }).ClickAsync();

        await page.GetByLabel("Assign to technician").FillAsync("ana");
        await page.GetByLabel("Scheduled start").FillAsync("2026-05-14T10:12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        var row = page.Locator("#orders tbody tr[data-id='WO-ASSIGN']");
        await Expect(row).ToContainTextAsync("ana");
        // Shown in the browser's time zone (Europe/Berlin here), as typed.
        await Expect(row).ToContainTextAsync("14 May 2026 at 10:12");
        var ana = await relay.DeviceAsync("ana");
        var agenda = await ana.RunAsync("agenda");
        Assert.Contains("WO-ASSIGN", agenda.Stdout, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_board_fits_a_768_pixel_tablet_without_sideways_scrolling()
    {
        var dispatch = await relay.DeviceAsync("dispatch");
        await dispatch.RunAsync("create", "workorder", "--id", "WO-TABLET", "title=Heat pump commissioning with a long title", "assignee=ben");
        await dispatch.RunAsync("sync");
        var page = await relay.SignedInPageAsync(width: 768, height: 1024);
        await page.GetByRole(AriaRole.Button, new() { Name = "Open order WO-TABLET" }).ClickAsync();
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Heat pump commissioning with a long title");

        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the viewport");
        await page.ScreenshotAsync(new() { Path = Screenshot("board-768.png") });
        await page.Context.CloseAsync();
    }

    private static string Screenshot(string name)
    {
        Directory.CreateDirectory(RepoPaths.TestOut);
        return Path.Combine(RepoPaths.TestOut, name);
    }
}
