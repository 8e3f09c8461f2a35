using Microsoft.Playwright;
using StarChat.Server.Tests.Support;

namespace StarChat.Server.Tests.Web;

/// <summary>The web chat page end to end in headless Chromium (Debian's package, driven by Playwright).</summary>
public sealed class ChatPageTests
{
    private static readonly string[] s_chromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Args = s_chromiumArgs, Headless = true });
        return (playwright, browser);
    }

    [Fact]
    public async Task ChatPage_TypeMessageThenStop_ReplyStreamsAndStopFreesTheSlot()
    {
        // Slow steps keep the reply streaming long enough to press stop while it runs.
        await using var server = await TestServers.StartAsync(o => o with { StepDelay = TimeSpan.FromMilliseconds(40) });
        var (playwright, browser) = await LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add($"{m.Text} {m.Location}"); };
        page.PageError += (_, e) => errors.Add(e);

        await page.GotoAsync(server.Address.ToString());
        await Assertions.Expect(page.Locator("#model")).ToHaveTextAsync("tiny-starchat");
        await page.ClickAsync("#toggle-settings");
        await page.FillAsync("#max-tokens", "400");
        await page.FillAsync("#temperature", "0");
        await page.FillAsync("#input", "How do I sort a list in Python?");
        await page.Keyboard.PressAsync("Enter");

        var reply = page.Locator(".message.assistant .body");
        await page.WaitForFunctionAsync("() => document.querySelector('.message.assistant .body').textContent.length > 20");
        await Assertions.Expect(page.Locator(".message.user")).ToContainTextAsync("How do I sort a list in Python?");
        await Assertions.Expect(page.Locator("#stop")).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("#speed")).ToContainTextAsync("tokens/s");
        Assert.Equal(1, server.Host.Model!.Scheduler.Running);

        await page.ClickAsync("#stop");

        await Assertions.Expect(page.Locator(".message.assistant")).ToHaveAttributeAsync("data-stopped", "true");
        await Assertions.Expect(page.Locator("#send")).ToBeEnabledAsync();
        // The aborted fetch closes the stream; the server frees the slot within a step.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (server.Host.Model.Scheduler.Running > 0 && DateTime.UtcNow < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.Equal(0, server.Host.Model.Scheduler.Running);
        string shown = await reply.TextContentAsync() ?? "";
        Assert.InRange(shown.Length, 21, 4000);
        string expectedStart = TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("chat").AsSpan(0, 3), skipSpecialTokens: true).TrimStart();
        Assert.StartsWith(expectedStart[..Math.Min(8, expectedStart.Length)], shown, StringComparison.Ordinal);
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        await page.ClickAsync("#new-chat");
        await Assertions.Expect(page.Locator(".message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ChatPage_FencedCode_RenderedAsHighlightedPreWithoutMarkupInjection()
    {
        await using var server = await TestServers.StartAsync();
        var (playwright, browser) = await LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(server.Address.ToString());

        var result = await page.EvaluateAsync<string[]>("""
            () => {
              const div = document.createElement('div');
              StarChatRender.renderReply(div, 'Use sorted:\n```python\ndef f(xs):\n    return sorted(xs)  # "new" list\n```\n<img src=x onerror=alert(1)>');
              return [div.querySelector('pre code').dataset.language,
                      [...div.querySelectorAll('.tok-kw')].map(s => s.textContent).join(','),
                      div.querySelector('.tok-com').textContent,
                      String(div.querySelectorAll('img').length)];
            }
            """);

        Assert.Equal("python", result[0]);
        Assert.Equal("def,return", result[1]);
        Assert.Equal("# \"new\" list", result[2]);
        Assert.Equal("0", result[3]);
    }
}
