namespace Ledger.Fuzz;

/// <summary>Byte-level damage to encoded messages: what a broken or hostile peer can put on the wire.</summary>
public static class ByteMutator
{
    public enum Mutation
    {
        FlipBit,
        SetByte,
        Truncate,
        Extend,
        InsertBytes,
        DeleteRange,
        DuplicateRange,
        UnknownField,
        VarintOverflow,
        HugeLength,
        NestedGarbage,
    }

    private static readonly Mutation[] All = Enum.GetValues<Mutation>();

    /// <summary>Junk of 0..maxLength bytes, sometimes shaped like a protobuf field so parsers go deeper.</summary>
    public static byte[] RandomBytes(FuzzRandom random, int maxLength = 512)
    {
        var junk = random.Bytes(random.Next(maxLength + 1));
        return random.Chance(30) ? Apply(random, junk, Mutation.NestedGarbage) : junk;
    }

    /// <summary>One to three mutations of data (a new array; data is not changed).</summary>
    public static byte[] Mutate(FuzzRandom random, byte[] data)
    {
        var result = data;
        var count = random.Between(1, 3);
        for (var i = 0; i < count; i++)
        {
            result = Apply(random, result, random.Pick(All));
        }

        return result;
    }

    public static byte[] Apply(FuzzRandom random, byte[] data, Mutation mutation)
    {
        var bytes = new List<byte>(data);
        var at = random.Next(bytes.Count + 1);
        switch (mutation)
        {
            case Mutation.FlipBit when bytes.Count > 0:
                var bit = random.Next(bytes.Count * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                break;
            case Mutation.SetByte when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = random.Pick(InterestingBytes);
                break;
            case Mutation.Truncate:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case Mutation.Extend:
                bytes.AddRange(random.Bytes(random.Between(1, 64)));
                break;
            case Mutation.InsertBytes:
                bytes.InsertRange(at, random.Bytes(random.Between(1, 16)));
                break;
            case Mutation.DeleteRange:
                bytes.RemoveRange(at, random.Next(bytes.Count - at + 1));
                break;
            case Mutation.DuplicateRange:
                var length = random.Next(bytes.Count - at + 1);
                bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                break;
            case Mutation.UnknownField:
                bytes.InsertRange(random.Chance(50) ? bytes.Count : at, UnknownField(random));
                break;
            case Mutation.VarintOverflow:
                // A tag, then a varint of eleven 0xFF bytes: longer than any 64-bit varint may be.
                bytes.InsertRange(at, [(byte)((random.Between(1, 15) << 3) | 0), .. Enumerable.Repeat((byte)0xFF, random.Between(10, 12)), 0x01]);
                break;
            case Mutation.HugeLength:
                // A length-delimited field claiming far more bytes than follow.
                bytes.InsertRange(at, [(byte)((random.Between(1, 15) << 3) | 2), .. Varint(random.Pick(HugeLengths))]);
                break;
            case Mutation.NestedGarbage:
                bytes.InsertRange(at, Nested(random, random.Between(1, 6)));
                break;
        }

        return bytes.ToArray();
    }

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x1A, 0x22];

    private static readonly ulong[] HugeLengths = [0x7FFF_FFFF, 0xFFFF_FFFF, 0x1_0000_0000, ulong.MaxValue, 64 * 1024 + 1, 2 * 1024 * 1024 + 1];

    /// <summary>A field number this schema does not use, of any wire type, some of them invalid (6, 7).</summary>
    private static byte[] UnknownField(FuzzRandom random)
    {
        var number = (ulong)random.Pick(new[] { 15, 99, 1000, 536_870_911, random.Between(1, 200) });
        var wireType = (ulong)random.Next(8);
        var tag = Varint((number << 3) | wireType);
        byte[] payload = wireType switch
        {
            0 => Varint(random.NextUInt64()),
            1 => random.Bytes(8),
            2 => [.. Varint((ulong)random.Next(20)), .. random.Bytes(random.Next(20))],
            5 => random.Bytes(4),
            _ => random.Bytes(random.Next(4)),
        };
        return [.. tag, .. payload];
    }

    /// <summary>Length-delimited fields inside each other, depth levels deep, with junk at the bottom.</summary>
    private static byte[] Nested(FuzzRandom random, int depth)
    {
        var inner = random.Bytes(random.Next(24));
        for (var i = 0; i < depth; i++)
        {
            inner = [(byte)((random.Between(1, 15) << 3) | 2), .. Varint((ulong)inner.Length), .. inner];
        }

        return inner;
    }

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return bytes.ToArray();
    }
}
