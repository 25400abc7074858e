using System.Reflection;

namespace Crdt.Core.Tests;

/// <summary>
/// Crdt.Core's public API speaks bytes and Core types: the generated messages (namespace
/// Crdt.Core.Wire) are the contract's, and the snapshot format is Core's to change. A public
/// member that takes or returns a generated message would tie every embedding app to them.
/// </summary>
public sealed class PublicSurfaceTests
{
    private const string WireNamespace = "Crdt.Core.Wire";

    [Fact]
    public void No_public_member_of_Core_exposes_a_generated_message()
    {
        var core = typeof(DocumentSet).Assembly;
        var exposed = new List<string>();
        var checkedMembers = 0;
        foreach (var type in core.GetExportedTypes().Where(t => t.Namespace != WireNamespace))
        {
            if (type.BaseType is { } baseType && IsWire(baseType)) exposed.Add($"{type}: base type {baseType}");
            exposed.AddRange(type.GetInterfaces().Where(IsWire).Select(i => $"{type}: interface {i}"));
            foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                checkedMembers++;
                foreach (var used in TypesOf(member).Where(IsWire))
                {
                    exposed.Add($"{type}.{member.Name}: {used}");
                }
            }
        }
        Assert.True(checkedMembers > 100, $"only {checkedMembers} public members found: the check looks at the wrong assembly");
        Assert.True(exposed.Count == 0, "public members exposing generated types:\n" + string.Join("\n", exposed));
    }

    [Fact]
    public void The_check_sees_a_member_that_takes_a_generated_message()
    {
        // The contract's mapping class is public and speaks messages by design: it must be caught.
        var mapping = typeof(Wire.CoreMessages).GetMethod(nameof(Wire.CoreMessages.ToOp))!;
        Assert.Contains(TypesOf(mapping), IsWire);
    }

    private static IEnumerable<Type> TypesOf(MemberInfo member) => member switch
    {
        MethodBase method => method.GetParameters().Select(p => p.ParameterType)
            .Concat(method is MethodInfo info ? [info.ReturnType] : []).SelectMany(Unwrap),
        PropertyInfo property => Unwrap(property.PropertyType),
        FieldInfo field => Unwrap(field.FieldType),
        EventInfo @event => @event.EventHandlerType is { } handler ? Unwrap(handler) : [],
        _ => [],
    };

    /// <summary>The type and what it is made of: element types, generic arguments (Task&lt;Op&gt;, IReadOnlyList&lt;Op&gt;).</summary>
    private static IEnumerable<Type> Unwrap(Type type)
    {
        yield return type;
        if ((type.IsArray || type.IsByRef || type.IsPointer) && type.GetElementType() is { } element)
        {
            foreach (var inner in Unwrap(element)) yield return inner;
        }
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Unwrap)) yield return argument;
        }
    }

    private static bool IsWire(Type type) => type.Namespace == WireNamespace;
}
