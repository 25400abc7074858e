using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Relay.Board;

/// <summary>
/// The dispatcher board: static HTML/CSS/JS modules embedded in the relay assembly (Board/site),
/// served at <c>/board/</c> so <c>serve</c> alone gives a working page on the gRPC-Web listener. The
/// page calls the relay's own Documents and Sync services over gRPC-Web: there is no board API.
/// </summary>
internal static class BoardEndpoints
{
    /// <summary>Scripts only from our own files (no inline script, no eval), API calls only to this origin.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "board/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
    };

    /// <summary>Maps <c>/board/{file}</c> (and <c>/board</c>, redirected to <c>/board/</c>).</summary>
    public static void MapDispatcherBoard(this IEndpointRouteBuilder endpoints)
    {
        var files = LoadFiles();
        endpoints.MapMethods("/board/{**path}", [HttpMethods.Get, HttpMethods.Head], async (HttpContext context, string? path) =>
        {
            if (string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/'))
            {
                // /board -> /board/, so the page's relative module URLs resolve under /board/.
                context.Response.Redirect("/board/");
                return;
            }
            var name = string.IsNullOrEmpty(path) ? "index.html" : path;
            if (!files.TryGetValue(name, out var file))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var headers = context.Response.Headers;
            headers.ContentType = file.ContentType;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            // The files change only with the relay's version: revalidate, never serve a stale page.
            headers.CacheControl = "no-cache";
            headers.ContentLength = file.Bytes.Length;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// API answers (gRPC and gRPC-Web) carry <c>Cache-Control: no-store</c>: documents and flags are
    /// tenant data a shared browser or proxy must not keep.
    /// </summary>
    public static void UseNoStoreForApiResponses(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
        }
        await next(context).ConfigureAwait(false);
    });

    private sealed record BoardFile(byte[] Bytes, string ContentType);

    private static Dictionary<string, BoardFile> LoadFiles()
    {
        var assembly = typeof(BoardEndpoints).Assembly;
        var files = new Dictionary<string, BoardFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name] = new BoardFile(copy.ToArray(), contentType);
        }
        return files;
    }
}
