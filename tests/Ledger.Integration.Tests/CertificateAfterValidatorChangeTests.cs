using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Ledger.Cli;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;
using ProtocolLedger = Ledger.Core.Protocol.Ledger;

namespace Ledger.Integration.Tests;

/// <summary>
/// D43: `ledger cert get` puts in each included block the validators in force at that block's height,
/// not the node's current ones. On a real node: a cancellation approved before a validator change
/// still gets a certificate that verifies offline after the change; one approved after it is refused
/// as strictly as before (only the genesis set is trusted offline, D18), for that reason alone.
/// </summary>
public sealed class CertificateAfterValidatorChangeTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-cert-vc-" + Guid.NewGuid().ToString("N")[..12]);
    private NodeProcess _node = null!;

    private string GenesisFile => Path.Combine(_directory, "genesis.json");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _node = await NodeProcess.StartAsync();
        await File.WriteAllTextAsync(GenesisFile, JsonFormatter.Default.Format(_node.Genesis));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_certificate_from_before_a_validator_change_still_verifies_and_one_from_after_is_refused_as_before()
    {
        await using var client = Participants.Client(_node);
        var (_, trader, _, batch) = await Stories.IssueAndTransferAsync(client);
        var before = await CancelAsync(client, trader, batch, "before the change");

        var validator = _node.Genesis.Validators.Single();
        var change = await client.SubmitAndWaitAsync(Transactions.ChangeValidators([(validator.ValidatorId, validator.PublicKey, validator.Power + 1)]), Participants.Bureau);
        var after = await CancelAsync(client, trader, batch, "after the change");
        var approvedAfter = (await client.GetCancellationAsync(after))!.DecidedHeight;
        Assert.True(approvedAfter >= change.Height + ValidatorSchedules.EffectDelayHeights, $"the approval at {approvedAfter} is signed by the new set (change at {change.Height})");
        var status = await client.GetStatusAsync();
        Assert.Equal(validator.Power + 1, status.Validators.Single().Power);

        var beforeFile = Path.Combine(_directory, "before.json");
        Assert.Equal(CertCommand.ValidExitCode, await Run("cert", "get", before, "--node", _node.Url.ToString(), "--out", beforeFile));
        Assert.Empty(CertCommand.VerifyFile(beforeFile, GenesisFile));
        Assert.Equal(CertCommand.ValidExitCode, await Run("cert", "verify", beforeFile, "--genesis", GenesisFile));

        var afterFile = Path.Combine(_directory, "after.json");
        Assert.Equal(CertCommand.ValidExitCode, await Run("cert", "get", after, "--node", _node.Url.ToString(), "--out", afterFile));
        Assert.Equal(CertCommand.InvalidExitCode, await Run("cert", "verify", afterFile, "--genesis", GenesisFile));
        var problems = CertCommand.VerifyFile(afterFile, GenesisFile);
        Assert.True(problems.Count > 0 && problems.All(p => p.Contains("differs from the genesis validators", StringComparison.Ordinal)), string.Join(" | ", problems));
    }

    [Fact]
    public async Task The_validators_query_answers_each_committed_height_with_its_own_set()
    {
        await using var client = Participants.Client(_node);
        var validator = _node.Genesis.Validators.Single();
        var change = await client.SubmitAndWaitAsync(Transactions.ChangeValidators([(validator.ValidatorId, validator.PublicKey, 7)]), Participants.Bureau);
        await client.SubmitAndWaitAsync(Transactions.ChangeValidators([(validator.ValidatorId, validator.PublicKey, 7)]), Participants.Bureau);
        await client.SubmitAndWaitAsync(Transactions.ChangeValidators([(validator.ValidatorId, validator.PublicKey, 7)]), Participants.Bureau);
        var head = (await client.GetStatusAsync()).Height;
        Assert.True(head >= change.Height + ValidatorSchedules.EffectDelayHeights);

        for (var height = 1UL; height <= head; height++)
        {
            var validators = (await client.GetValidatorsAsync(height))!;
            var block = (await client.GetBlockAsync(height))!;
            var expected = height < change.Height + ValidatorSchedules.EffectDelayHeights ? validator.Power : 7UL;
            Assert.Equal(expected, validators.Single().Power);
            Assert.Equal(block.Block.Header.ValidatorSetHash, ByteString.CopyFrom(new ValidatorSet(validators).Hash(Ledger.Core.Crypto.NetworkHashes.For(_node.Genesis.HashAlgorithm))));
        }

        Assert.Null(await client.GetValidatorsAsync(head + 100));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetValidatorsAsync(0));
        using var channel = GrpcChannel.ForAddress(_node.Url);
        var zero = await Assert.ThrowsAsync<RpcException>(async () => await new ProtocolLedger.LedgerClient(channel).GetValidatorsAsync(new GetValidatorsRequest { Height = 0 }));
        Assert.Equal(StatusCode.InvalidArgument, zero.StatusCode);
    }

    /// <summary>Requests and approves a cancellation of 1,000 grams; returns its id.</summary>
    private static async Task<string> CancelAsync(LedgerClient client, LedgerSigner holder, string batch, string purpose)
    {
        var request = await client.SubmitAndWaitAsync(Transactions.RequestCancellation(batch, 1_000, "Ordos No. 1 Middle School", purpose), holder);
        var cancellationId = request.Attribute("cancellation_id")!;
        await client.SubmitAndWaitAsync(Transactions.ApproveCancellation(cancellationId), Participants.Operator);
        return cancellationId;
    }

    private static async Task<int> Run(params string[] args)
    {
        var parsed = new RootCommand { CertCommand.Create() }.Parse(args);
        return await parsed.InvokeAsync();
    }
}
