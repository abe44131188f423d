using System.Buffers.Binary;
using System.Text;
using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;
using Ledger.Core.State;
using Ledger.Testing;

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

            // Reading between changes must see every change (a put or delete updates the sorted view, a merge drops it).
            if (!SameEntries(fast, reference))
            {
                return false;
            }
        }

        return (probes ?? []).Select(Short).All(probe =>
            fast.TryGet(probe, out var value) == reference.TryGetValue(probe, out var expected) && Same(value, expected));
    }

    [Property(MaxTest = 300)]
    public bool The_in_memory_store_reads_and_enumerates_as_the_sorted_map_it_replaced((byte[] Key, byte[]? Value)[][] blocks, byte[][] probes, byte[] prefix)
    {
        var fast = new InMemoryState();
        var reference = new SortedDictionary<byte[], byte[]>(ByteKeyComparer.Instance);
        foreach (var block in blocks ?? [])
        {
            var changes = new WriteSet();
            foreach (var (key, value) in block ?? [])
            {
                if (value is null)
                {
                    changes.Delete(Short(key));
                }
                else
                {
                    changes.Put(Short(key), value);
                }
            }

            fast.Apply(changes);
            foreach (var (key, value) in changes.Entries)
            {
                if (value is null)
                {
                    reference.Remove(key);
                }
                else
                {
                    reference[key] = value;
                }
            }

            var same = fast.Count == reference.Count
                && fast.Entries.Zip(reference).All(p => p.First.Key.AsSpan().SequenceEqual(p.Second.Key) && p.First.Value.AsSpan().SequenceEqual(p.Second.Value));
            if (!same)
            {
                return false;
            }
        }

        var start = (prefix ?? []).Take(1).ToArray();
        return (probes ?? []).Select(Short).All(probe => Same(fast.Get(probe), reference.GetValueOrDefault(probe)))
            && fast.WithPrefix(start).Select(e => Convert.ToHexString(e.Key))
                .SequenceEqual(reference.Where(e => e.Key.AsSpan().StartsWith(start)).Select(e => Convert.ToHexString(e.Key)));
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

    [Property(MaxTest = 300)]
    public bool The_state_root_is_the_canonical_writers_digest((byte[] Key, byte[]? Value)[] changes, byte[] previous, bool sm3)
    {
        var hash = sm3 ? (INetworkHash)Sm3Hash.Instance : Sha256Hash.Instance;
        var root = SHA256(previous ?? []);
        var writes = new WriteSet();
        foreach (var (key, value) in changes ?? [])
        {
            if (value is null)
            {
                writes.Delete(key ?? []);
            }
            else
            {
                writes.Put(key ?? [], value);
            }
        }

        // The root's own key is left out of the digest.
        writes.Put(StateKeys.StateRoot, root);
        return StateCommitment.Next(hash, root, writes).AsSpan().SequenceEqual(OldNext(hash, root, writes));
    }

    [Property(MaxTest = 300)]
    public bool Records_are_taken_by_user_as_grouping_then_ordering_took_them(byte[] users)
    {
        // Few distinct users (one byte each), so that users repeat within a chunk.
        var records = (users ?? []).Select((user, i) => new BehaviourRecord { UserId = ByteString.CopyFrom([(byte)(user % 7)]), Quantity = (ulong)i }).ToList();
        var fast = BehaviourHandler.ByUser(records).Select(i => records[i].Quantity);
        var old = records.GroupBy(r => r.UserId).OrderBy(g => g.Key.ToByteArray(), ByteKeyComparer.Instance).SelectMany(g => g).Select(r => r.Quantity);
        return fast.SequenceEqual(old);
    }

    [Property(MaxTest = 100)]
    public bool The_memo_returns_what_was_computed_and_stays_bounded(byte[][] ids)
    {
        var memo = new TransactionMemo(capacity: 8);
        foreach (var id in ids ?? [])
        {
            var key = SHA256(id ?? []);
            var first = memo.GetOrAdd(key, () => SHA256(key));
            var again = memo.GetOrAdd(key, () => throw new InvalidOperationException("held values are not computed again"));
            if (!first.AsSpan().SequenceEqual(SHA256(key)) || !ReferenceEquals(first, again) || memo.Count > 8)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A chunk checked first (its records root memoised) and then applied gives the root and receipt of a chunk applied cold.</summary>
    [Fact]
    public void A_chunk_applied_after_its_check_gives_the_same_root_and_receipt()
    {
        var (warm, chunks) = ScenarioLedger();
        var (cold, _) = ScenarioLedger();
        foreach (var chunk in chunks)
        {
            Assert.Equal(RejectionCode.Unspecified, warm.Machine.Check(warm.Store, new BlockContext(warm.Height + 1, warm.TimeMs + 1_000), chunk).Code);
        }

        var warmReceipts = warm.ApplyBlock(chunks);
        var coldReceipts = cold.ApplyBlock(chunks);
        Assert.Equal(coldReceipts, warmReceipts);
        Assert.Equal(Convert.ToHexString(cold.StateRoot), Convert.ToHexString(warm.StateRoot));
    }

    private static (TestLedger Ledger, Envelope[] Chunks) ScenarioLedger()
    {
        var ledger = new TestLedger();
        ledger.ApproveScenario("S-1", "company-1");
        var chunks = Enumerable.Range(0, 3).Select(c => ledger.Sign("company-1", Testing.Scenarios.Chunk("S-1", Testing.Scenarios.Day, (uint)c,
            Enumerable.Range(c * 50, 50).Select(i => Testing.Scenarios.Record("company-1", i % 20, i % 3 == 0 ? "bike" : "metro", (ulong)(1 + (i % 4)), $"e-{i}"))))).ToArray();
        return (ledger, chunks);
    }

    private static byte[] SHA256(byte[] data) => System.Security.Cryptography.SHA256.HashData(data);

    /// <summary>StateCommitment.Next before D37, verbatim.</summary>
    private static byte[] OldNext(INetworkHash hash, ReadOnlySpan<byte> previousRoot, WriteSet changes)
    {
        var entries = changes.Entries.Where(entry => !entry.Key.AsSpan().SequenceEqual(StateKeys.StateRoot)).ToList();
        var writer = new CanonicalWriter(64 + (entries.Count * 64))
            .Bytes(DomainTags.StateRoot)
            .Fixed(previousRoot)
            .UInt64((ulong)entries.Count);
        foreach (var (key, value) in entries)
        {
            writer.Bytes(key);
            if (value is null)
            {
                writer.Byte(0);
            }
            else
            {
                writer.Byte(1).Bytes(value);
            }
        }

        return hash.Hash(writer.WrittenSpan);
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
