using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;

namespace Crdt.Grpc.Server.Internal;

/// <summary>
/// Files, symbols and extensions of the registered proto files, and the answers to reflection
/// requests over them. Errors are answered in-band (error_response), the stream stays open.
/// </summary>
internal sealed class ReflectionIndex
{
    private readonly object _lock = new();
    private readonly Dictionary<string, FileDescriptor> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, int Number), FileDescriptor> _extensions = new();
    private readonly List<string> _services = new();

    public void Add(FileDescriptor file)
    {
        lock (_lock)
        {
            AddLocked(file);
        }
    }

    public V1.ServerReflectionResponse Answer(V1.ServerReflectionRequest request, HashSet<string> sentFiles, IReadOnlyCollection<string> mappedServices)
    {
        var response = new V1.ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        lock (_lock)
        {
            switch (request.MessageRequestCase)
            {
                case V1.ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                    response.ListServicesResponse = new V1.ListServiceResponse();
                    foreach (var service in _services.Where(mappedServices.Contains).Order(StringComparer.Ordinal))
                    {
                        response.ListServicesResponse.Service.Add(new V1.ServiceResponse { Name = service });
                    }

                    break;
                case V1.ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                    Files(response, _files.GetValueOrDefault(request.FileByFilename), $"File not found: {request.FileByFilename}", sentFiles);
                    break;
                case V1.ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                    Files(response, _symbols.GetValueOrDefault(request.FileContainingSymbol), $"Symbol not found: {request.FileContainingSymbol}", sentFiles);
                    break;
                case V1.ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                    var extension = request.FileContainingExtension;
                    Files(response, _extensions.GetValueOrDefault((extension.ContainingType, extension.ExtensionNumber)),
                        $"Extension not found: {extension.ContainingType}({extension.ExtensionNumber})", sentFiles);
                    break;
                case V1.ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                    if (!_symbols.ContainsKey(request.AllExtensionNumbersOfType))
                    {
                        Error(response, StatusCode.NotFound, $"Type not found: {request.AllExtensionNumbersOfType}");
                        break;
                    }

                    response.AllExtensionNumbersResponse = new V1.ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                    response.AllExtensionNumbersResponse.ExtensionNumber.Add(
                        _extensions.Keys.Where(k => k.Type == request.AllExtensionNumbersOfType).Select(k => k.Number).Order());
                    break;
                default:
                    Error(response, StatusCode.InvalidArgument, "The reflection request names no question.");
                    break;
            }
        }

        return response;
    }

    private static void Files(V1.ServerReflectionResponse response, FileDescriptor? file, string notFound, HashSet<string> sentFiles)
    {
        if (file is null)
        {
            Error(response, StatusCode.NotFound, notFound);
            return;
        }

        // The file and its transitive imports, skipping what this stream already received.
        var answer = new V1.FileDescriptorResponse();
        var pending = new Stack<FileDescriptor>();
        pending.Push(file);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!sentFiles.Add(next.Name))
            {
                continue;
            }

            answer.FileDescriptorProto.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies)
            {
                pending.Push(dependency);
            }
        }

        response.FileDescriptorResponse = answer;
    }

    private static void Error(V1.ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new V1.ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };

    private void AddLocked(FileDescriptor file)
    {
        if (!_files.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var dependency in file.Dependencies)
        {
            AddLocked(dependency);
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }

        foreach (var enumType in file.EnumTypes)
        {
            _symbols.TryAdd(enumType.FullName, file);
        }

        foreach (var service in file.Services)
        {
            _symbols.TryAdd(service.FullName, file);
            _services.Add(service.FullName);
            foreach (var method in service.Methods)
            {
                _symbols.TryAdd(method.FullName, file);
            }
        }

        foreach (var extension in file.Extensions.UnorderedExtensions)
        {
            _symbols.TryAdd(extension.FullName, file);
            _extensions.TryAdd((extension.ExtendeeType.FullName, extension.FieldNumber), file);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        _symbols.TryAdd(message.FullName, file);
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }

        foreach (var enumType in message.EnumTypes)
        {
            _symbols.TryAdd(enumType.FullName, file);
        }
    }
}
