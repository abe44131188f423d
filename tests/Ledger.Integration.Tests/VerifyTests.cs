using System.CommandLine;
using Google.Protobuf;
using Ledger.Cli;
using Ledger.Client.Builders;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Storage;

namespace Ledger.Integration.Tests;

/// <summary>
/// The auditor's `ledger verify` on a real stored chain: an untouched copy of a node's data
/// directory verifies, and every kind of tampering with a copy is found at its height and named.
/// </summary>
public sealed class VerifyTests(VerifyTests.StoredChain chain) : IClassFixture<VerifyTests.StoredChain>
{
    [Fact]
    public async Task An_untouched_copy_of_the_data_directory_verifies()
    {
        var outcome = await VerifyCopy(_ => { });

        Assert.True(outcome.Verified, outcome.Problem);
        Assert.Equal(chain.Head.Height, outcome.Heights);
        Assert.Equal(Convert.ToHexStringLower(chain.Head.HeaderHash), outcome.HeadHash);
        Assert.True(outcome.GenesisSupplied);
        Assert.NotNull(outcome.CompareSeconds);
    }

    [Fact]
    public async Task Without_a_genesis_the_stored_one_is_used_and_the_outcome_says_so()
    {
        var outcome = await VerifyCommand.VerifyDataAsync(chain.Copy(), genesis: null);

        Assert.True(outcome.Verified, outcome.Problem);
        Assert.False(outcome.GenesisSupplied);
    }

    [Fact]
    public async Task A_genesis_other_than_the_stored_one_is_a_failure_at_height_zero()
    {
        var other = chain.Genesis.Clone();
        other.ChainId += "-other";

        var outcome = await VerifyCommand.VerifyDataAsync(chain.Copy(), other);

        AssertFailed(outcome, 0, "genesis mismatch");
    }

    [Fact]
    public async Task A_stored_balance_edited_on_disk_is_a_state_difference_named_by_its_key()
    {
        var outcome = await VerifyCopy(store =>
        {
            var (key, value) = store.Scan([StateKeys.BalanceTable]).First();
            var balance = BalanceRecord.Parser.ParseFrom(value);
            balance.TradableGrams += 1_000_000;
            store.TamperStateForTest(key, balance.ToByteArray());
        });

        AssertFailed(outcome, chain.Head.Height, "stored state differs from re-execution: state key balance ");
        Assert.Contains("holds another value", outcome.Problem, StringComparison.Ordinal);
        Assert.NotNull(outcome.CompareSeconds);
    }

    [Fact]
    public async Task A_state_entry_added_or_removed_on_disk_is_a_state_difference()
    {
        var added = await VerifyCopy(store => store.TamperStateForTest(StateKeys.Participant("ghost"), [1, 2, 3]));
        AssertFailed(added, chain.Head.Height, "state key participant ghost is stored but no transaction wrote it");

        var removed = await VerifyCopy(store => store.TamperStateForTest(StateKeys.Participant(Participants.Bureau.ParticipantId), null));
        AssertFailed(removed, chain.Head.Height, $"state key participant {Participants.Bureau.ParticipantId} is missing from the stored state");
    }

    [Fact]
    public async Task A_flipped_byte_in_a_transaction_is_a_transactions_root_mismatch()
    {
        var outcome = await VerifyCopy(store => Rewrite(store, chain.IssuanceHeight, block => Flip(block.Transactions[0].Body, b => block.Transactions[0].Body = b)));

        AssertFailed(outcome, chain.IssuanceHeight, "transactions root mismatch");
    }

    [Fact]
    public async Task A_flipped_byte_in_a_transaction_signature_names_the_transaction_whose_signature_fails()
    {
        var outcome = await VerifyCopy(store => Rewrite(store, chain.IssuanceHeight, block => FlipCoSignature(block.Transactions[0])));

        AssertFailed(outcome, chain.IssuanceHeight, "signature of transaction 0 does not verify");
        Assert.Equal(0, outcome.TransactionIndex);
        Assert.Null(outcome.CompareSeconds); // D50: no comparison ran, so none is reported
    }

    [Fact]
    public async Task A_bad_signature_under_a_recomputed_transactions_root_is_still_named()
    {
        var outcome = await VerifyCopy(store => Rewrite(store, chain.IssuanceHeight, block =>
        {
            FlipCoSignature(block.Transactions[0]);
            block.Header.TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(NetworkHashes.For(chain.Genesis.HashAlgorithm), block.Transactions));
        }));

        AssertFailed(outcome, chain.IssuanceHeight, "signature of transaction 0 does not verify");
    }

    [Fact]
    public async Task A_transaction_signed_by_a_key_without_the_role_is_named()
    {
        // The operator signs a methodology filing, which only the bureau may do; the attacker puts it in
        // a stored block with a consistent transactions root, as if the validators had let it through.
        var forged = Ledger.Core.Execution.EnvelopeFactory.Create(
            chain.Genesis.ChainId,
            Transactions.FileMethodology("M-forged", "Forged", MethodologyLevel.National, "1", []),
            Ledger.Testing.TestLedger.Operator,
            Ledger.Testing.TestKeys.For(Ledger.Testing.TestLedger.Operator),
            nonce: 424242,
            expiryHeight: chain.IssuanceHeight + 100);
        var outcome = await VerifyCopy(store => Rewrite(store, chain.IssuanceHeight, block =>
        {
            block.Transactions.Clear();
            block.Transactions.Add(forged);
            block.Header.TransactionsRoot = ByteString.CopyFrom(BlockHashing.TransactionsRoot(NetworkHashes.For(chain.Genesis.HashAlgorithm), block.Transactions));
        }));

        AssertFailed(outcome, chain.IssuanceHeight, "UNAUTHORIZED_ROLE");
        Assert.Contains("BUREAU", outcome.Problem, StringComparison.Ordinal);
        Assert.Equal(0, outcome.TransactionIndex);
    }

    [Fact]
    public async Task A_flipped_byte_in_a_header_field_breaks_the_certified_header_hash()
    {
        var outcome = await VerifyCopy(store => Rewrite(store, chain.IssuanceHeight, block => block.Header.TimeMs ^= 1));

        AssertFailed(outcome, chain.IssuanceHeight, "header hash");
    }

    [Fact]
    public async Task A_flipped_byte_in_a_certificate_signature_is_named()
    {
        var outcome = await VerifyCopy(store =>
        {
            var certificate = store.GetCertificate(chain.IssuanceHeight)!;
            Flip(certificate.Signatures[0].Signature, b => certificate.Signatures[0].Signature = b);
            store.TamperForTest(chain.IssuanceHeight, store.GetBlock(chain.IssuanceHeight), certificate);
        });

        AssertFailed(outcome, chain.IssuanceHeight, "precommit signature");
    }

    [Fact]
    public async Task A_removed_block_is_missing()
    {
        var outcome = await VerifyCopy(store => store.TamperForTest(chain.IssuanceHeight, null, null));

        AssertFailed(outcome, chain.IssuanceHeight, "block missing");
    }

    [Fact]
    public async Task Two_swapped_blocks_are_out_of_place()
    {
        var outcome = await VerifyCopy(store =>
        {
            var (first, second) = (chain.IssuanceHeight, chain.IssuanceHeight + 1);
            var (firstBlock, firstCertificate) = (store.GetBlock(first), store.GetCertificate(first));
            store.TamperForTest(first, store.GetBlock(second), store.GetCertificate(second));
            store.TamperForTest(second, firstBlock, firstCertificate);
        });

        AssertFailed(outcome, chain.IssuanceHeight, $"claims height {chain.IssuanceHeight + 1}");
    }

    [Fact]
    public async Task A_state_root_that_re_execution_does_not_reproduce_is_a_state_root_mismatch()
    {
        var outcome = await VerifyCopy(store => Rewrite(store, chain.IssuanceHeight, block => Flip(block.Header.StateRoot, b => block.Header.StateRoot = b)));

        AssertFailed(outcome, chain.IssuanceHeight, "state root mismatch");
    }

    [Fact]
    public async Task A_running_node_verifies_over_grpc()
    {
        var outcome = await VerifyCommand.VerifyNodeAsync(chain.Node.Url, chain.Genesis);

        Assert.True(outcome.Verified, outcome.Problem);
        Assert.True(outcome.Heights >= chain.Head.Height);
    }

    [Fact]
    public async Task Verify_against_a_node_without_a_genesis_is_refused_as_misuse()
    {
        var root = new RootCommand { VerifyCommand.Create() };

        Assert.Equal(VerifyCommand.UsageExitCode, await root.Parse(["verify", "--node", chain.Node.Url.ToString()]).InvokeAsync());
        Assert.Equal(VerifyCommand.UsageExitCode, await root.Parse(["verify"]).InvokeAsync());
    }

    [Fact]
    public async Task A_block_certified_by_two_of_four_validators_is_short_of_voting_power()
    {
        var nodes = await NodeProcess.StartNetworkAsync(4);
        try
        {
            await using (var client = Participants.Client(nodes[0]))
            {
                await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-4", "Four validators", MethodologyLevel.Group, "1", []), Participants.Bureau);
            }

            await Task.WhenAll(nodes.Select(n => n.StopAsync()));
            var copy = StoredChain.CopyDirectory(nodes[0].DataDirectory);
            var height = DropTwoSignatures(copy);

            var outcome = await VerifyCommand.VerifyDataAsync(copy, nodes[0].Genesis);

            AssertFailed(outcome, height, "voting power");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>Drops two signatures from the first stored certificate that has at least three; returns its height.</summary>
    private static ulong DropTwoSignatures(string directory)
    {
        using var store = RocksDbChainStore.Open(directory);
        for (var height = 1UL; height <= store.Head!.Height; height++)
        {
            var certificate = store.GetCertificate(height)!;
            if (certificate.Signatures.Count >= 3)
            {
                certificate.Signatures.RemoveAt(0);
                certificate.Signatures.RemoveAt(0);
                store.TamperForTest(height, store.GetBlock(height), certificate);
                return height;
            }
        }

        throw new InvalidOperationException("no stored certificate holds three signatures");
    }

    private async Task<VerifyCommand.Outcome> VerifyCopy(Action<RocksDbChainStore> tamper)
    {
        var copy = chain.Copy();
        using (var store = RocksDbChainStore.Open(copy))
        {
            tamper(store);
        }

        return await VerifyCommand.VerifyDataAsync(copy, chain.Genesis);
    }

    private static void Rewrite(RocksDbChainStore store, ulong height, Action<Block> change)
    {
        var block = store.GetBlock(height)!;
        change(block);
        store.TamperForTest(height, block, store.GetCertificate(height));
    }

    /// <summary>The issuance carries the verifier's co-signature: the one an attacker would forge.</summary>
    private static void FlipCoSignature(Envelope envelope)
    {
        var signature = envelope.Signatures[^1];
        Flip(signature.Value, b => signature.Value = b);
    }

    private static void Flip(ByteString bytes, Action<ByteString> set)
    {
        var flipped = bytes.ToByteArray();
        flipped[flipped.Length / 2] ^= 0x01;
        set(ByteString.CopyFrom(flipped));
    }

    private static void AssertFailed(VerifyCommand.Outcome outcome, ulong height, string reason)
    {
        Assert.False(outcome.Verified, "the tampered chain verified");
        Assert.Equal(VerifyCommand.FailedExitCode, outcome.ExitCode);
        Assert.True(outcome.FailedHeight == height, $"expected a failure at height {height}, got {outcome.FailedHeight}: {outcome.Problem}");
        Assert.Contains(reason, outcome.Problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// A single-validator node that committed the story of a credit (registration to cancellation),
    /// stopped, its data directory kept as a pristine copy, then started again for the gRPC test.
    /// </summary>
    public sealed class StoredChain : IAsyncLifetime
    {
        private readonly List<string> _copies = [];
        private string _pristine = "";

        public NodeProcess Node { get; private set; } = null!;

        public Genesis Genesis => Node.Genesis;

        public ChainHead Head { get; private set; } = null!;

        /// <summary>The block holding the issuance, a transaction with a co-signature; a transfer follows it.</summary>
        public ulong IssuanceHeight { get; private set; }

        public static string CopyDirectory(string source)
        {
            var target = Path.Combine(Path.GetTempPath(), "ledger-verify-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(source))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }

            return target;
        }

        public string Copy()
        {
            var copy = CopyDirectory(_pristine);
            lock (_copies)
            {
                _copies.Add(copy);
            }

            return copy;
        }

        public async Task InitializeAsync()
        {
            Node = await NodeProcess.StartAsync();
            var issuanceId = await CommitStoryAsync();
            await Node.StopAsync();
            _pristine = CopyDirectory(Node.DataDirectory);
            using (var store = RocksDbChainStore.Open(Copy()))
            {
                Head = store.Head!;
                IssuanceHeight = store.FindTransaction(Convert.FromHexString(issuanceId))!.Value.Height;
            }

            await Node.StartAgainAsync();
        }

        public async Task DisposeAsync()
        {
            await Node.DisposeAsync();
            foreach (var directory in _copies.Append(_pristine))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        /// <summary>Register, methodology, project, issuance co-signed by the verifier, transfer co-signed by the operator, cancellation.</summary>
        private async Task<string> CommitStoryAsync()
        {
            await using var client = Participants.Client(Node);
            var (_, trader, issuance, batch) = await Stories.IssueAndTransferAsync(client);
            var request = await client.SubmitAndWaitAsync(Transactions.RequestCancellation(batch, 400_000, "Ordos No. 1 Middle School", "2025 campus carbon neutrality"), trader);
            await client.SubmitAndWaitAsync(Transactions.ApproveCancellation(request.Attribute("cancellation_id")!), Participants.Operator);
            return issuance.TransactionId;
        }
    }
}
