using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FunctionsMl.Serving.Http;

/// <summary>A request body that cannot be read as JSON; carries the status code and message to answer with.</summary>
public sealed class RequestBodyException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>A parsed JSON body over a pooled buffer, which goes back to the pool when this is disposed.</summary>
public sealed class JsonBody : IDisposable
{
    private readonly JsonDocument _document;
    private byte[]? _buffer;

    internal JsonBody(JsonDocument document, byte[] buffer)
    {
        _document = document;
        _buffer = buffer;
    }

    public JsonElement RootElement => _document.RootElement;

    public void Dispose()
    {
        _document.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Reads a JSON request body within a size limit, turning every way it can be wrong into a precise 4xx.</summary>
public static class RequestBody
{
    /// <summary>Reads and parses the body; on the hot path this allocates only the parsed document's own index.</summary>
    /// <exception cref="RequestBodyException">415 not JSON, 413 too large, 400 empty or malformed.</exception>
    public static async Task<JsonBody> ReadJsonAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestBodyException(StatusCodes.Status415UnsupportedMediaType, $"The body must be JSON (Content-Type: application/json), not '{contentType}'.");
        }

        var declared = request.ContentLength;
        if (declared > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(declared ?? 4096, maxBytes) + 1);
        try
        {
            var length = 0;
            // With a Content-Length the body is complete once that many bytes arrived; no extra read for the end.
            while (declared is null || length < declared)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        throw TooLarge(maxBytes);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }
            }

            if (length == 0)
            {
                throw new RequestBodyException(StatusCodes.Status400BadRequest, "The request body is empty; send a JSON object.");
            }

            JsonDocument document;
            try
            {
                // JsonDocument keeps using the memory it parses: the buffer is returned when the body is disposed.
                document = JsonDocument.Parse(buffer.AsMemory(0, length));
            }
            catch (JsonException ex)
            {
                throw new RequestBodyException(StatusCodes.Status400BadRequest, $"The body is not valid JSON: {ex.Message}");
            }

            var body = new JsonBody(document, buffer);
            buffer = null!;
            return body;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static RequestBodyException TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxBytes} bytes; send smaller batches or score a file.");
}
