using Microsoft.AspNetCore.Builder;

namespace Crdt.Grpc.Server.Internal;

/// <summary>Applies endpoint conventions (e.g. RequireHost, metadata) to every method of a mapped service.</summary>
internal sealed class CompositeConventionBuilder : IEndpointConventionBuilder
{
    private readonly IReadOnlyList<IEndpointConventionBuilder> _builders;

    public CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) => _builders = builders;

    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }
}
