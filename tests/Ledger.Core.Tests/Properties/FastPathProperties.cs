using System.Buffers.Binary;
using System.Text;
using FsCheck.Xunit;
using Ledger.Core.Crypto;
using Ledger.Core.State;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// The hot path's data structures and keys were rewritten for speed (D37); each property compares
/// the new code with the simple code it replaced, kept here as the reference.
/// </summary>
public class FastPathProperties
{
    /// <summary>An operation on a write set: put, delete, or merge a second write set of puts and deletes.</summary>
    public sealed record Op(byte Kind, byte[] Key, byte[] Value, (byte[] Key, byte[]? Value)[] Merged);

    [Property(MaxTest = 300)]
    public bool A_write_set_reads_and_enumerates_as_the_sorted_map_it_replaced(Op[] ops, byte[][] probes)
    {
        var fast = new WriteSet();
        var reference = new SortedDictionary<byte[], byte[]?>(ByteKeyComparer.Instance);
        foreach (var op in ops ?? [])
        {
            // Short keys so that puts, deletes and merges hit the same keys often.
            var key = Short(op.Key);
            switch (op.Kind % 3)
            {
                case 0:
                    fast.Put(key, op.Value ?? []);
                    reference[key] = op.Value ?? [];
                    break;
                case 1:
                    fast.Delete(key);
                    reference[key] = null;
                    break;
                default:
                    var other = new WriteSet();
                    foreach (var (k, v) in op.Merged ?? [])
                    {
                        if (v is null)
                        {
                            other.Delete(Short(k));
                        }
                        else
                        {
                            other.Put(Short(k), v);
                        }

                        reference[Short(k)] = v;
                    }

                    fast.Merge(other);
                    break;
            }

            // Reading between changes must see every change (the sorted view is rebuilt after each).
            if (!SameEntries(fast, reference))
            {
                return false;
            }
        }

        return (probes ?? []).Select(Short).All(probe =>
            fast.TryGet(probe, out var value) == reference.TryGetValue(probe, out var expected) && Same(value, expected));
    }

    [Property(MaxTest = 300)]
    public bool Keys_are_the_bytes_the_old_composition_gave(string first, string second, byte[] userId, ulong nonce)
    {
        first ??= "";
        second ??= "";
        var user = userId ?? [];
        return StateKeys.Participant(first).AsSpan().SequenceEqual(OldCompose(StateKeys.ParticipantTable, first))
            && StateKeys.Balance(first, second).AsSpan().SequenceEqual(OldCompose(StateKeys.BalanceTable, first, second))
            && StateKeys.Exclusion(first, second).AsSpan().SequenceEqual(OldCompose(StateKeys.ExclusionTable, first, second))
            && StateKeys.BidPrefix(first).AsSpan().SequenceEqual((byte[])[.. OldCompose(StateKeys.BidTable, first), 0x00])
            && StateKeys.Custody(first, user, second).AsSpan().SequenceEqual(OldCustody(first, user, second))
            && StateKeys.Nonce(first, nonce).AsSpan().SequenceEqual(OldNonce(first, nonce))
            && StateKeys.StateRoot.AsSpan().SequenceEqual(OldCompose(StateKeys.MetaTable, "state_root"));
    }

    [Property(MaxTest = 300)]
    public bool Sha256_of_two_parts_is_the_incremental_hash(byte[] first, byte[] second, byte pad)
    {
        // Also past the length joined on the stack.
        var long1 = Enumerable.Repeat(pad, pad * 8).Concat(first ?? []).ToArray();
        return Incremental(first ?? [], second ?? []).AsSpan().SequenceEqual(Sha256Hash.Instance.Hash(first ?? [], second ?? []))
            && Incremental(long1, second ?? []).AsSpan().SequenceEqual(Sha256Hash.Instance.Hash(long1, second ?? []));
    }

    private static byte[] Short(byte[]? key) => key is null ? [] : key.Take(2).ToArray();

    private static bool Same(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    private static bool SameEntries(WriteSet fast, SortedDictionary<byte[], byte[]?> reference) =>
        fast.Count == reference.Count
        && fast.Entries.Zip(reference).All(pair => pair.First.Key.AsSpan().SequenceEqual(pair.Second.Key) && Same(pair.First.Value, pair.Second.Value));

    private static byte[] Incremental(byte[] first, byte[] second)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(first);
        hash.AppendData(second);
        return hash.GetHashAndReset();
    }

    // The key builders before D37, verbatim.
    private static byte[] OldCompose(byte table, params string[] parts)
    {
        var length = 1 + parts.Sum(part => Encoding.UTF8.GetByteCount(part)) + parts.Length - 1;
        var key = new byte[length];
        key[0] = table;
        var offset = 1;
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                key[offset++] = 0x00;
            }

            offset += Encoding.UTF8.GetBytes(parts[i], key.AsSpan(offset));
        }

        return key;
    }

    private static byte[] OldCustody(string company, byte[] userId, string batchId)
    {
        var companyPrefix = OldCompose(StateKeys.CustodyTable, company);
        var prefix = new byte[companyPrefix.Length + 1 + userId.Length];
        companyPrefix.CopyTo(prefix, 0);
        userId.CopyTo(prefix.AsSpan(companyPrefix.Length + 1));
        var key = new byte[prefix.Length + Encoding.UTF8.GetByteCount(batchId)];
        prefix.CopyTo(key, 0);
        Encoding.UTF8.GetBytes(batchId, key.AsSpan(prefix.Length));
        return key;
    }

    private static byte[] OldNonce(string signer, ulong nonce)
    {
        var prefix = OldCompose(StateKeys.NonceTable, signer);
        var key = new byte[prefix.Length + 1 + sizeof(ulong)];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(prefix.Length + 1), nonce);
        return key;
    }
}
