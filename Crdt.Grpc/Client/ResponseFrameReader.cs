using System.Buffers;
using Crdt.Grpc.Internal;

namespace Crdt.Grpc.Client;

/// <summary>
/// Reads length-prefixed messages from a response body, buffering so that small messages cost one
/// read, and refusing a message over the size limit before allocating room for it.
/// </summary>
internal sealed class ResponseFrameReader : IDisposable
{
    private const int InitialBufferSize = 16 * 1024;

    private readonly Stream _stream;
    private readonly int _maxMessageSize;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    private int _start;
    private int _end;
    private bool _endOfStream;

    public ResponseFrameReader(Stream stream, int? maxMessageSize)
    {
        _stream = stream;
        _maxMessageSize = maxMessageSize ?? int.MaxValue;
    }

    /// <summary>True when the last frame read had the compressed flag set.</summary>
    public bool Compressed { get; private set; }

    /// <summary>The payload of the last frame read; valid until the next read.</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>Reads the next frame; false at a clean end of stream. Throws RpcException for bad framing or size.</summary>
    public async ValueTask<bool> ReadFrameAsync(CancellationToken cancellationToken)
    {
        _start += Payload.Length;
        Payload = ReadOnlyMemory<byte>.Empty;
        if (!await EnsureAsync(MessageFraming.HeaderSize, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start)
            {
                return false;
            }

            throw new RpcException(StatusCode.Internal, "Response ended inside a message header.");
        }

        var (flag, length) = MessageFraming.ReadHeader(_buffer.AsSpan(_start, MessageFraming.HeaderSize));
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {flag} in response message header.");
        }

        if (length > (uint)_maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {_maxMessageSize})");
        }

        _start += MessageFraming.HeaderSize;
        if (!await EnsureAsync((int)length, cancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(StatusCode.Internal, $"Response ended inside a message ({_end - _start} of {length} bytes).");
        }

        Compressed = flag == 1;
        Payload = _buffer.AsMemory(_start, (int)length);
        return true;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_endOfStream)
            {
                return false;
            }

            if (_buffer.Length - _start < count)
            {
                var bigger = _buffer.Length >= count + _end - _start ? _buffer : ArrayPool<byte>.Shared.Rent(Math.Max(count, _buffer.Length * 2));
                Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
                if (!ReferenceEquals(bigger, _buffer))
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                }

                _buffer = bigger;
                _end -= _start;
                _start = 0;
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _endOfStream = true;
            }

            _end += read;
        }

        return true;
    }
}
