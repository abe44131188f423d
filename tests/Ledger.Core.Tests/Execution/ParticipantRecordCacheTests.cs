using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Tests.Execution;

/// <summary>
/// D54: the replay's cache of parsed participant records gives what parsing the stored record gives, whatever was
/// written in between (a rotated key, a suspension, a new role, a record removed), and never hands out a record that
/// another caller's changes reach.
/// </summary>
public sealed class ParticipantRecordCacheTests
{
    private static readonly string[] Ids = ["trader-a", "trader-b", "operator", "bureau"];

    /// <summary>A version of participant id's record: its key, status, roles and name vary with version.</summary>
    private static ParticipantRecord Version(string id, int version) => new()
    {
        ParticipantId = id,
        Name = $"{id} v{version % 3}",
        Roles = { version % 2 == 0 ? [Role.Trader] : new[] { Role.Operator, Role.Trader } },
        PublicKey = new Ledger.Core.Protocol.PublicKey
        {
            Algorithm = version % 5 == 4 ? KeyAlgorithm.Sm2 : KeyAlgorithm.Ed25519,
            Key = ByteString.CopyFrom(Enumerable.Repeat((byte)(version % 7), 32).ToArray()),
        },
        Status = version % 4 == 3 ? ParticipantStatus.Suspended : ParticipantStatus.Active,
        RegisteredBy = "genesis",
        KeyRotatedHeight = (ulong)(version % 6),
    };

    /// <summary>
    /// Steps: write a version of a record, remove it, or read it through the cache and compare with a plain parse;
    /// what was read is then changed the way a handler might, which must not reach later reads. A small capacity
    /// makes the cache empty itself often.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Reads_through_the_cache_equal_reads_from_state((byte Kind, byte Who, byte Version)[] steps, bool tiny)
    {
        var state = new LedgerState(new StateOverlay(new InMemoryState()));
        var cache = new ParticipantRecordCache(tiny ? 1 : 3);
        foreach (var (kind, who, version) in steps)
        {
            var id = Ids[who % Ids.Length];
            switch (kind % 4)
            {
                case 0:
                    state.PutParticipant(Version(id, version));
                    break;
                case 1:
                    state.Changes.Delete(StateKeys.Participant(id));
                    break;
                default:
                    var cached = cache.Get(state, id);
                    var parsed = state.GetParticipant(id);
                    if (!Equals(cached, parsed) || (cached is not null && ReferenceEquals(cached, parsed)))
                    {
                        return false;
                    }

                    if (cached is not null)
                    {
                        // A handler's changes to its own copy.
                        cached.Status = ParticipantStatus.Suspended;
                        cached.Roles.Add(Role.Bureau);
                        cached.PublicKey.Key = ByteString.CopyFrom(new byte[32]);
                        cached.Name = "changed";
                    }

                    break;
            }
        }

        return Ids.All(id => Equals(cache.Get(state, id), state.GetParticipant(id)));
    }

    [Fact]
    public void A_rotated_key_is_seen_at_once()
    {
        var state = new LedgerState(new StateOverlay(new InMemoryState()));
        var cache = new ParticipantRecordCache();
        state.PutParticipant(Version("trader-a", 0));
        Assert.Equal(Version("trader-a", 0).PublicKey, cache.Get(state, "trader-a")!.PublicKey);
        state.PutParticipant(Version("trader-a", 1));
        Assert.Equal(Version("trader-a", 1).PublicKey, cache.Get(state, "trader-a")!.PublicKey);
        Assert.Null(cache.Get(state, "nobody"));
    }
}
