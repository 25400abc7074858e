using System.Text.Json;

namespace Crdt.Relay.Tests.Cli;

/// <summary>The runtime settings README's "Runtime settings the relay ships with" promises are in the
/// runtimeconfig the built relay starts with (the file beside Crdt.Relay.dll), under the names the
/// runtime reads: a setting under another name (such as System.GC.Gen0Size) is silently ignored.</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_relay_starts_with_workstation_GC_a_64_MiB_gen0_budget_no_spinning_and_no_tiering()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(64L * 1024 * 1024, properties.GetProperty("System.GC.Gen0MaxBudget").GetInt64());
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
        Assert.False(properties.GetProperty("System.Runtime.TieredCompilation").GetBoolean());
    }
}
