using System.Globalization;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Tests.Protocol;

/// <summary>
/// docs/PROTOCOL.md §13 holds test vectors computed by docs/vectors/protocol_vectors.py from the
/// document alone. These tests read them out of the document and check that the code makes exactly
/// those bytes, so the document cannot drift from the code without failing the build.
/// </summary>
public sealed class ProtocolVectorTests
{
    private static readonly INetworkHash Sha256 = NetworkHashes.For(HashAlgorithm.Sha256);
    private static readonly INetworkHash Sm3 = NetworkHashes.For(HashAlgorithm.Sm3);

    [Fact]
    public void Transfer_body_encodes_to_the_documented_bytes()
    {
        Assert.Equal(Vectors.Hex("tx.body"), Hex(TransferBody().ToByteArray()));
    }

    [Fact]
    public void Register_participant_body_encodes_to_the_documented_bytes()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, Vectors.Bytes("key.seed"));
        var body = new TransactionBody
        {
            RegisterParticipant = new RegisterParticipant
            {
                ParticipantId = "trader-1",
                Name = "Trader One Ltd.",
                Roles = { Role.ProjectOwner, Role.Trader },
                PublicKey = key.ToPublicKey(),
            },
        };
        Assert.Equal(Vectors.Hex("body.register_participant"), Hex(body.ToByteArray()));
    }

    [Fact]
    public void Batch_id_matches_the_documented_format()
    {
        var period = new DayRange { FirstDay = (uint)Vectors.Number("tx.transfer.first_day"), LastDay = (uint)Vectors.Number("tx.transfer.last_day") };
        Assert.Equal(Vectors.Text("tx.transfer.batch_id"), BatchIds.ForProject("solar-1", period));
    }

    [Fact]
    public void Sign_bytes_match_the_documented_vector()
    {
        Assert.Equal(Vectors.Hex("tx.sign_bytes"), Hex(SignBytes.For(UnsignedEnvelope())));
    }

    [Fact]
    public void Transaction_id_matches_the_documented_vector()
    {
        Assert.Equal(Vectors.Hex("tx.id.sha256"), Hex(SignBytes.TransactionId(Sha256, UnsignedEnvelope())));
        Assert.Equal(Vectors.Text("tx.cancellation_id"), Convert.ToHexStringLower(SignBytes.TransactionId(Sha256, UnsignedEnvelope())));
    }

    [Fact]
    public void Transaction_id_under_an_sm3_network_matches_the_documented_vector()
    {
        Assert.Equal(Vectors.Hex("tx.id.sm3"), Hex(SignBytes.TransactionId(Sm3, UnsignedEnvelope())));
    }

    [Fact]
    public void Ed25519_key_and_signature_match_the_documented_vector()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, Vectors.Bytes("key.seed"));
        Assert.Equal(Vectors.Hex("key.ed25519.public_key"), Hex(key.PublicKeyBytes));

        var envelope = SignedEnvelope(key);
        Assert.Equal(Vectors.Text("tx.signer"), envelope.Signatures[0].Signer);
        Assert.Equal(Vectors.Hex("tx.signature.ed25519"), Hex(envelope.Signatures[0].Value.ToByteArray()));
        Assert.Equal(Vectors.Hex("tx.envelope"), Hex(envelope.ToByteArray()));
        Assert.Equal(Vectors.Hex("tx.transactions_root.sha256"), Hex(BlockHashing.TransactionsRoot(Sha256, [envelope])));
    }

    [Fact]
    public void Sm2_key_and_signature_match_the_documented_vector()
    {
        using var key = SigningKey.FromSeed(KeyAlgorithm.Sm2, Vectors.Bytes("key.seed"));
        Assert.Equal(Vectors.Hex("key.sm2.public_key"), Hex(key.PublicKeyBytes));
        Assert.True(Sm2Suite.Instance.Verify(Vectors.Bytes("key.sm2.public_key"), Vectors.Bytes("tx.sign_bytes"), Vectors.Bytes("tx.signature.sm2")));

        var envelope = SignedEnvelope(key);
        Assert.Equal(Vectors.Hex("tx.signature.sm2"), Hex(envelope.Signatures[0].Value.ToByteArray()));
    }

    [Fact]
    public void Merkle_roots_match_the_documented_vectors()
    {
        var items = Enumerable.Range(0, 5).Select(i => new[] { (byte)i }).ToList();
        var names = Vectors.Names("merkle.");
        Assert.NotEmpty(names);
        var expected = names.Select(name => $"{name} = {Vectors.Hex(name)}").ToList();
        var actual = names.Select(name =>
        {
            var parts = name.Split('.');
            var hash = parts[1] == "sm3" ? Sm3 : Sha256;
            var count = int.Parse(parts[2], CultureInfo.InvariantCulture);
            return $"{name} = {Hex(MerkleTree.Root(hash, items.Take(count).ToList()))}";
        }).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Receipt_encoding_and_receipts_root_match_the_documented_vectors()
    {
        var transactionId = Vectors.Bytes("tx.id.sha256");
        var committed = new Receipt
        {
            TransactionId = ByteString.CopyFrom(transactionId),
            Attributes = { new Ledger.Core.Protocol.Attribute { Key = "cancellation_id", Value = Convert.ToHexStringLower(transactionId) } },
        };
        var refused = new Receipt { TransactionId = ByteString.CopyFrom(new byte[32]), Code = RejectionCode.InsufficientBalance, Message = "short" };

        Assert.Equal(Vectors.Hex("receipt.committed"), Hex(BlockHashing.CanonicalReceipt(committed)));
        Assert.Equal(Vectors.Hex("receipt.refused"), Hex(BlockHashing.CanonicalReceipt(refused)));
        Assert.Equal(Vectors.Hex("receipt.root.sha256"), Hex(BlockHashing.ReceiptsRoot(Sha256, [committed, refused])));
    }

    [Fact]
    public void Header_hash_matches_the_documented_vector()
    {
        var header = new BlockHeader
        {
            ChainId = Vectors.Text("tx.chain_id"),
            Height = Vectors.Number("header.height"),
            TimeMs = checked((long)Vectors.Number("header.time_ms")),
            PreviousHeaderHash = Filled(0x11),
            TransactionsRoot = Filled(0x22),
            ReceiptsRoot = Filled(0x33),
            StateRoot = Filled(0x44),
            ValidatorSetHash = Filled(0x55),
            Proposer = "bureau",
        };
        Assert.Equal(Vectors.Hex("header.hash.sha256"), Hex(BlockHashing.HeaderHash(Sha256, header)));
        Assert.Equal(Vectors.Hex("header.hash.sm3"), Hex(BlockHashing.HeaderHash(Sm3, header)));
        Assert.Equal(Vectors.Hex("header.hash.sha256"), Hex(Sha256.Hash(Vectors.Bytes("header.bytes"))));
    }

    [Fact]
    public void Vote_sign_bytes_and_precommit_signature_match_the_documented_vectors()
    {
        var chainId = Vectors.Text("tx.chain_id");
        var height = Vectors.Number("header.height");
        var blockHash = Vectors.Bytes("header.hash.sha256");
        Assert.Equal(Vectors.Hex("vote.precommit.sign_bytes"), Hex(Votes.SignBytes(chainId, height, 1, VoteType.Precommit, blockHash)));
        Assert.Equal(Vectors.Hex("vote.nil_prevote.sign_bytes"), Hex(Votes.SignBytes(chainId, height, 0, VoteType.Prevote, [])));

        using var key = SigningKey.FromSeed(KeyAlgorithm.Ed25519, Vectors.Bytes("key.seed"));
        var certificate = CommitCertificates.Create(height, 1, blockHash);
        CommitCertificates.AddSignature(certificate, chainId, "node-operator", key);
        Assert.Equal(Vectors.Hex("vote.precommit.signature.ed25519"), Hex(certificate.Signatures[0].Signature.ToByteArray()));
    }

    [Fact]
    public void Proposal_sign_bytes_match_the_documented_vector()
    {
        var proposal = new Proposal { Height = Vectors.Number("header.height"), Round = 1, ValidRound = 0 };
        var signBytes = Ledger.Consensus.ConsensusSigning.ProposalSignBytes(Vectors.Text("tx.chain_id"), proposal, Vectors.Bytes("header.hash.sha256"));
        Assert.Equal(Vectors.Hex("proposal.sign_bytes"), Hex(signBytes));
    }

    [Fact]
    public void State_keys_of_every_table_match_the_documented_layout()
    {
        var batchId = Vectors.Text("tx.transfer.batch_id");
        var actual = new Dictionary<string, byte[]>
        {
            ["meta_state_root"] = StateKeys.StateRoot,
            ["participant"] = StateKeys.Participant("trader-1"),
            ["methodology"] = StateKeys.Methodology("CM-001"),
            ["project"] = StateKeys.Project("solar-1"),
            ["batch"] = StateKeys.Batch(batchId),
            ["balance"] = StateKeys.Balance("trader-1", batchId),
            ["cancellation"] = StateKeys.Cancellation(Vectors.Text("tx.cancellation_id")),
            ["report_hash"] = StateKeys.ReportHash(Enumerable.Repeat((byte)0xab, 32).ToArray()),
            ["nonce"] = StateKeys.Nonce("trader-1", 7),
        };
        var names = Vectors.Names("state.key.");
        Assert.Equal(names.Select(n => n["state.key.".Length..]).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            names.Select(name => $"{name} = {Vectors.Hex(name)}"),
            names.Select(name => $"{name} = {Hex(actual[name["state.key.".Length..]])}"));
    }

    [Fact]
    public void State_root_matches_the_documented_vector_and_ignores_the_meta_key()
    {
        var batchId = Vectors.Text("tx.transfer.batch_id");
        var nonceUse = new NonceUse { TransactionId = ByteString.CopyFrom(Vectors.Bytes("tx.id.sha256")), Height = 5 };
        var balance = new BalanceRecord { Account = "trader-2", BatchId = batchId, TradableGrams = Vectors.Number("tx.transfer.amount_grams") };
        Assert.Equal(Vectors.Hex("state.value.nonce_use"), Hex(nonceUse.ToByteArray()));
        Assert.Equal(Vectors.Hex("state.value.balance"), Hex(balance.ToByteArray()));

        var changes = new WriteSet();
        changes.Put(StateKeys.StateRoot, Enumerable.Repeat((byte)0xee, 32).ToArray());
        changes.Put(StateKeys.Nonce("trader-1", 7), nonceUse.ToByteArray());
        changes.Delete(StateKeys.Participant("ghost"));
        changes.Put(StateKeys.Balance("trader-2", batchId), balance.ToByteArray());

        var root = StateCommitment.Next(Sha256, StateCommitment.GenesisParent, changes);
        Assert.Equal(Vectors.Hex("state.root.sha256"), Hex(root));
        Assert.Equal(Vectors.Hex("state.root.sm3"), Hex(StateCommitment.Next(Sm3, StateCommitment.GenesisParent, changes)));
        Assert.Equal(Vectors.Hex("state.root_after_empty_block.sha256"), Hex(StateCommitment.Next(Sha256, root, new WriteSet())));
    }

    [Fact]
    public void Documented_genesis_json_parses_and_gives_the_documented_state_root()
    {
        var genesis = JsonParser.Default.Parse<Genesis>(Vectors.GenesisJson);
        Assert.Empty(GenesisValidator.Problems(genesis));
        using var bureauKey = SigningKey.FromSeed(KeyAlgorithm.Sm2, Vectors.Bytes("key.seed"));
        Assert.Equal(bureauKey.ToPublicKey(), genesis.Participants.Single(p => p.ParticipantId == "bureau").PublicKey);

        var execution = new LedgerStateMachine(ChainParameters.FromGenesis(genesis)).ApplyGenesis(genesis);
        var bureau = execution.Changes.Entries.Single(e => e.Key.AsSpan().SequenceEqual(StateKeys.Participant("bureau"))).Value;
        Assert.Equal(Vectors.Hex("genesis.record.bureau"), Hex(bureau!));
        Assert.Equal(Vectors.Hex("genesis.state_root.sha256"), Hex(execution.StateRoot));
    }

    [Fact]
    public void Validator_set_hash_of_the_documented_genesis_matches_the_documented_vectors()
    {
        var validators = new ValidatorSet(JsonParser.Default.Parse<Genesis>(Vectors.GenesisJson).Validators);
        Assert.Equal(Vectors.Hex("genesis.validator_set_hash.sha256"), Hex(validators.Hash(Sha256)));
        Assert.Equal(Vectors.Hex("genesis.validator_set_hash.sm3"), Hex(validators.Hash(Sm3)));
    }

    [Fact]
    public void Genesis_hash_of_the_documented_genesis_matches_the_documented_vector_and_ignores_the_json_layout()
    {
        var genesis = JsonParser.Default.Parse<Genesis>(Vectors.GenesisJson);
        Assert.Equal(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(genesis)));

        // Reordering participants changes the JSON, not the genesis (state is keyed by id).
        var reordered = genesis.Clone();
        var participants = reordered.Participants.Reverse().ToList();
        reordered.Participants.Clear();
        reordered.Participants.Add(participants);
        Assert.Equal(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(reordered)));

        var later = genesis.Clone();
        later.GenesisTimeMs += 1;
        Assert.NotEqual(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(later)));
        var renamed = genesis.Clone();
        renamed.Participants[0].Name += ".";
        Assert.NotEqual(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(renamed)));
        var stronger = genesis.Clone();
        stronger.Validators[0].Power += 1;
        Assert.NotEqual(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(stronger)));

        Assert.Equal(8, GenesisHash.Format(GenesisHash.Compute(genesis)).Split(' ').Length);

        // The rules' effective values are committed: the defaults spelled out hash the same, others not.
        var explicitDefaults = genesis.Clone();
        explicitDefaults.Rules = new GenesisRules { NoticeWorkingDays = 5, ReviewOpinionsRequired = 3 };
        Assert.Equal(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(explicitDefaults)));
        var development = genesis.Clone();
        development.Rules = new GenesisRules { NoticeWorkingDays = 0, ReviewOpinionsRequired = 1, DevelopmentRules = true };
        Assert.Equal(Vectors.Hex("genesis.hash_development.sha256"), Hex(GenesisHash.Compute(development)));
        var longerNotice = genesis.Clone();
        longerNotice.Rules = new GenesisRules { NoticeWorkingDays = 6 };
        Assert.NotEqual(Vectors.Hex("genesis.hash.sha256"), Hex(GenesisHash.Compute(longerNotice)));
        Assert.Throws<ArgumentException>(() => GenesisHash.Compute(new Genesis { ChainId = "x" }));
    }

    private static TransactionBody TransferBody() => new()
    {
        Transfer = new Transfer
        {
            To = Vectors.Text("tx.transfer.to"),
            BatchId = Vectors.Text("tx.transfer.batch_id"),
            AmountGrams = Vectors.Number("tx.transfer.amount_grams"),
        },
    };

    private static Envelope UnsignedEnvelope() => new()
    {
        ChainId = Vectors.Text("tx.chain_id"),
        Body = TransferBody().ToByteString(),
        Signer = Vectors.Text("tx.signer"),
        Nonce = Vectors.Number("tx.nonce"),
        ExpiryHeight = Vectors.Number("tx.expiry_height"),
    };

    private static Envelope SignedEnvelope(SigningKey key) => EnvelopeFactory.Create(
        Vectors.Text("tx.chain_id"),
        TransferBody(),
        Vectors.Text("tx.signer"),
        key,
        Vectors.Number("tx.nonce"),
        Vectors.Number("tx.expiry_height"));

    private static ByteString Filled(byte value) => ByteString.CopyFrom(Enumerable.Repeat(value, 32).ToArray());

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// The vectors of docs/PROTOCOL.md: lines `name = value` in the ```vectors block, where value is
    /// lowercase hex, a decimal number, or a "quoted string"; and the ```json genesis-vector block.
    /// </summary>
    private static class Vectors
    {
        private static readonly string[] Lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Docs", "PROTOCOL.md"));

        private static readonly IReadOnlyDictionary<string, string> Values = Parse();

        public static readonly string GenesisJson = string.Join('\n', Block("```json genesis-vector"));

        /// <summary>Lowercase hex, as the document writes it.</summary>
        public static string Hex(string name) => Raw(name);

        public static byte[] Bytes(string name) => Convert.FromHexString(Raw(name));

        public static ulong Number(string name) => ulong.Parse(Raw(name), NumberStyles.None, CultureInfo.InvariantCulture);

        public static string Text(string name)
        {
            var value = Raw(name);
            return value.Length >= 2 && value[0] == '"' && value[^1] == '"'
                ? value[1..^1]
                : throw new FormatException($"vector '{name}' is not a quoted string");
        }

        public static IReadOnlyList<string> Names(string prefix) =>
            Values.Keys.Where(name => name.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

        private static string Raw(string name) => Values.TryGetValue(name, out var value)
            ? value
            : throw new KeyNotFoundException($"docs/PROTOCOL.md has no vector '{name}'");

        private static Dictionary<string, string> Parse()
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in Block("```vectors").Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')))
            {
                var separator = line.IndexOf(" = ", StringComparison.Ordinal);
                if (separator <= 0)
                {
                    throw new FormatException($"not a vector line: {line}");
                }

                values.Add(line[..separator].Trim(), line[(separator + 3)..].Trim());
            }

            return values;
        }

        private static IEnumerable<string> Block(string opening)
        {
            var start = Array.FindIndex(Lines, line => line.Trim() == opening);
            if (start < 0)
            {
                throw new FormatException($"docs/PROTOCOL.md has no block opened by {opening}");
            }

            var end = Array.FindIndex(Lines, start + 1, line => line.Trim() == "```");
            return Lines[(start + 1)..end];
        }
    }
}
