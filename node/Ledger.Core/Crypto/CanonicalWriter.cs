using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Ledger.Core.Crypto;

/// <summary>
/// Writes the fixed binary layouts of docs/PROTOCOL.md: big-endian integers, and strings and
/// byte strings prefixed by their length as a u32.
/// </summary>
public sealed class CanonicalWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public CanonicalWriter(int capacity = 256)
    {
        _buffer = new ArrayBufferWriter<byte>(capacity);
    }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public CanonicalWriter Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public CanonicalWriter UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public CanonicalWriter UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public CanonicalWriter Int64(long value) => UInt64(unchecked((ulong)value));

    /// <summary>Raw bytes with no length: only for fixed-size fields such as 32-byte hashes.</summary>
    public CanonicalWriter Fixed(ReadOnlySpan<byte> value)
    {
        _buffer.Write(value);
        return this;
    }

    public CanonicalWriter Bytes(ReadOnlySpan<byte> value)
    {
        UInt32(checked((uint)value.Length));
        _buffer.Write(value);
        return this;
    }

    public CanonicalWriter String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        UInt32(checked((uint)length));
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
        return this;
    }
}
