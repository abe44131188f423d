using Ledger.Consensus;
using Ledger.Core.Protocol;

namespace Ledger.Node.Consensus;

/// <summary>
/// The consensus log on disk (DESIGN §7 rule 2): the messages of the open height, own ones synced
/// before they are sent, then an end-of-height marker once the block is durably committed, which also
/// empties the log. A torn last record from a crash is cut off on open.
/// </summary>
public sealed class FileConsensusLog : IDisposable
{
    private readonly FileStream _file;

    public FileConsensusLog(string path)
    {
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var bytes = new byte[_file.Length];
        _file.ReadExactly(bytes);
        var (records, goodBytes) = ConsensusLogFormat.Decode(bytes);
        Recovered = records;
        TornBytes = _file.Length - goodBytes;
        _file.SetLength(goodBytes);
        _file.Position = goodBytes;
    }

    /// <summary>What the log held when it was opened, in order.</summary>
    public IReadOnlyList<ConsensusLogRecord> Recovered { get; }

    /// <summary>How many bytes of a torn last record were cut off on open.</summary>
    public long TornBytes { get; }

    public void Append(ConsensusMessage message, bool own)
    {
        _file.Write(ConsensusLogFormat.Encode(new ConsensusLogRecord { Message = message, Own = own }));
        if (own)
        {
            // Our own message is on disk before anyone can see it.
            _file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Height is durably committed: what the log held is no longer needed.</summary>
    public void EndHeight(ulong height)
    {
        _file.SetLength(0);
        _file.Position = 0;
        _file.Write(ConsensusLogFormat.Encode(new ConsensusLogRecord { EndHeight = height }));
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();
}
