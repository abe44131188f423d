using System.Buffers.Binary;
using System.Text;
using Ledger.Core.Crypto;

namespace Ledger.Core.Scenarios;

/// <summary>
/// The recommended dedup key of a behaviour record (docs/PROTOCOL.md §15.2):
/// H(lp("ORDOS-CIL/dedup/v1") ‖ str(source) ‖ str(source_event_id)), where source names the system the
/// behaviour happened in (the metro's fare system, a bike-share operator) and source_event_id is the id
/// that system gave the event. Every app that learns of one metro ride learns the same pair, so the two
/// apps compute the same key without sharing who the rider is (§7 §28). The ledger cannot recompute it
/// (it never sees the source ids); it only counts each key once.
/// </summary>
public static class DedupKeys
{
    public static byte[] For(INetworkHash hash, string source, string sourceEventId)
    {
        var buffer = new List<byte>();
        Append(buffer, DomainTags.Dedup);
        Append(buffer, Encoding.UTF8.GetBytes(source));
        Append(buffer, Encoding.UTF8.GetBytes(sourceEventId));
        return hash.Hash(buffer.ToArray());
    }

    private static void Append(List<byte> buffer, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        buffer.AddRange(length.ToArray());
        buffer.AddRange(bytes);
    }
}
