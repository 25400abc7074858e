using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Support;

/// <summary>
/// The preamble of a test class against one real relay: a <see cref="TestRelay"/> started before each
/// test (options adjusted by <see cref="Configure"/>, devices and data set up by <see cref="SetUpAsync"/>)
/// and stopped after it, and the helpers those classes share.
/// </summary>
public abstract class RelayTestBase : IAsyncLifetime
{
    protected TestRelay Relay { get; private set; } = null!;

    /// <summary>The relay's options, from the test defaults (data folder, port 0, quiet logs).</summary>
    protected virtual RelayOptions Configure(RelayOptions defaults) => defaults;

    /// <summary>Runs once the relay serves: register devices, push the data the tests start from.</summary>
    protected virtual Task SetUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Relay = await TestRelay.StartAsync(Configure);
        await SetUpAsync();
    }

    public async Task DisposeAsync() => await Relay.DisposeAsync();

    protected static Wire.Mutation Set(string field, Wire.FieldValue value) => new() { SetField = new Wire.SetField { Field = field, Value = value } };

    protected static Wire.FieldValue Text(string value) => new() { StringValue = value };

    /// <summary>Asserts the call is refused with <paramref name="code"/> and a message naming each of <paramref name="mentions"/>.</summary>
    protected static async Task<RpcException> Refused(StatusCode code, Func<Task> call, params string[] mentions)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        foreach (var mention in mentions) Assert.Contains(mention, error.Status.Detail);
        return error;
    }
}
