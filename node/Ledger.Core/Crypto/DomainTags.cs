using System.Text;

namespace Ledger.Core.Crypto;

/// <summary>
/// Domain-separation tags. Every signed or hashed structure starts with its own tag, so bytes
/// signed for one purpose can never be taken for another (docs/PROTOCOL.md).
/// </summary>
public static class DomainTags
{
    public static readonly byte[] Transaction = Encoding.ASCII.GetBytes("ORDOS-CIL/tx/v1");
    public static readonly byte[] StateRoot = Encoding.ASCII.GetBytes("ORDOS-CIL/state/v1");
    public static readonly byte[] Header = Encoding.ASCII.GetBytes("ORDOS-CIL/header/v1");
    public static readonly byte[] Receipt = Encoding.ASCII.GetBytes("ORDOS-CIL/receipt/v1");
    public static readonly byte[] Vote = Encoding.ASCII.GetBytes("ORDOS-CIL/vote/v1");
    public static readonly byte[] Proposal = Encoding.ASCII.GetBytes("ORDOS-CIL/proposal/v1");
    public static readonly byte[] ValidatorSet = Encoding.ASCII.GetBytes("ORDOS-CIL/validators/v1");
    public static readonly byte[] Genesis = Encoding.ASCII.GetBytes("ORDOS-CIL/genesis/v1");
    public static readonly byte[] Dedup = Encoding.ASCII.GetBytes("ORDOS-CIL/dedup/v1");
}
