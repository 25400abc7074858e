using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Crdt.Grpc.Server.Internal;

/// <summary>
/// The request delegate of one mapped method: starts the call, runs the interceptors, calls the
/// typed handler for the method's kind and ends the call with its status.
/// </summary>
internal sealed class ServerMethodHandler<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly Delegate _handler;
    private readonly GrpcServerRuntime _runtime;

    public ServerMethodHandler(Method<TRequest, TResponse> method, Delegate handler, GrpcServerRuntime runtime)
    {
        _method = method;
        _handler = handler;
        _runtime = runtime;
    }

    public async Task HandleAsync(HttpContext httpContext)
    {
        using var call = ServerCall.TryStart(httpContext, _runtime, _method.FullName);
        if (call is null)
        {
            return;
        }

        var handled = RunAsync(call);
        if (call.Context.Deadline != DateTime.MaxValue && !handled.IsCompleted)
        {
            // A handler that ignores its token must not keep the client past its deadline.
            if (await Task.WhenAny(handled, call.WhenCancelledAsync()).ConfigureAwait(false) != handled)
            {
                await call.CompleteForDeadlineAsync().ConfigureAwait(false);
            }
        }

        // Always wait for the handler: the HttpContext must outlive every use the handler makes of it.
        await handled.ConfigureAwait(false);
    }

    private async Task RunAsync(ServerCall call)
    {
        try
        {
            var context = call.Context;
            foreach (var interceptor in _runtime.Interceptors)
            {
                await interceptor.OnCallStartingAsync(context).ConfigureAwait(false);
            }

            await InvokeAsync(call, context).ConfigureAwait(false);
            await call.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await call.CompleteWithErrorAsync(ex).ConfigureAwait(false);
        }
    }

    private async Task InvokeAsync(ServerCall call, ServerCallContext context)
    {
        switch (_handler)
        {
            case UnaryServerMethod<TRequest, TResponse> unary:
            {
                var request = await call.ReadSingleRequestAsync(_method.RequestParser).ConfigureAwait(false);
                var response = await unary(request, context).ConfigureAwait(false);
                await WriteSingleResponseAsync(call, context, response).ConfigureAwait(false);
                break;
            }

            case ServerStreamingServerMethod<TRequest, TResponse> serverStreaming:
            {
                var request = await call.ReadSingleRequestAsync(_method.RequestParser).ConfigureAwait(false);
                await serverStreaming(request, new ResponseStreamWriter<TResponse>(call), context).ConfigureAwait(false);
                break;
            }

            case ClientStreamingServerMethod<TRequest, TResponse> clientStreaming:
            {
                var response = await clientStreaming(new RequestStreamReader<TRequest>(call, _method.RequestParser), context).ConfigureAwait(false);
                await WriteSingleResponseAsync(call, context, response).ConfigureAwait(false);
                break;
            }

            case DuplexStreamingServerMethod<TRequest, TResponse> duplex:
                await duplex(new RequestStreamReader<TRequest>(call, _method.RequestParser), new ResponseStreamWriter<TResponse>(call), context).ConfigureAwait(false);
                break;

            default:
                throw new InvalidOperationException($"No handler kind matches {_method.FullName}.");
        }
    }

    private static Task WriteSingleResponseAsync(ServerCall call, ServerCallContext context, TResponse? response)
    {
        if (context.Status.StatusCode != StatusCode.OK)
        {
            return Task.CompletedTask; // an error status carries no message
        }

        if (response is null)
        {
            throw new InvalidOperationException("The handler returned no response message.");
        }

        // No flush: the trailers follow at once, and Kestrel sends both together.
        return call.WriteMessageAsync(response, flush: false);
    }
}
