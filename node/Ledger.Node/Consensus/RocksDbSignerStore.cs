using System.Buffers.Binary;
using Ledger.Consensus;
using Ledger.Core.Crypto;
using Ledger.Storage;

namespace Ledger.Node.Consensus;

/// <summary>
/// The signer's last signature in the consensus column family, written with sync before the
/// signature leaves (DESIGN §7 rule 1). A wiped chain directory keeps nothing here, so a wiped
/// validator must not sign before it has caught up; see BftConsensus.
/// </summary>
public sealed class RocksDbSignerStore(RocksDbChainStore store) : ISignerStateStore
{
    public static readonly byte[] Key = "signer/last"u8.ToArray();

    public SignerState? Load()
    {
        var bytes = store.GetConsensus(Key);
        if (bytes is null)
        {
            return null;
        }

        var span = bytes.AsSpan();
        var height = BinaryPrimitives.ReadUInt64BigEndian(span);
        var round = BinaryPrimitives.ReadUInt32BigEndian(span[8..]);
        var step = (SignStep)span[12];
        var signBytesLength = BinaryPrimitives.ReadInt32BigEndian(span[13..]);
        var signBytes = span.Slice(17, signBytesLength).ToArray();
        var signature = span[(17 + signBytesLength + 4)..].ToArray();
        return new SignerState(height, round, step, signBytes, signature);
    }

    public void Save(SignerState state)
    {
        var bytes = new CanonicalWriter(64 + state.SignBytes.Length)
            .UInt64(state.Height)
            .UInt32(state.Round)
            .Byte((byte)state.Step)
            .Bytes(state.SignBytes)
            .Bytes(state.Signature)
            .ToArray();
        store.PutConsensus(Key, bytes, sync: true);
    }
}
