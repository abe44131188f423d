using System.CommandLine;
using Google.Protobuf;
using Ledger.Cli;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>
/// `ledger cert get` against a real node that approved a cancellation, then `ledger cert verify`
/// offline: the certificate as fetched is valid, and a copy altered in any field is invalid with
/// the field named.
/// </summary>
public sealed class CertificateTests(CertificateTests.ApprovedCancellation story) : IClassFixture<CertificateTests.ApprovedCancellation>
{
    [Fact]
    public async Task A_fetched_certificate_verifies_offline_and_reads_in_both_languages()
    {
        Assert.Equal(CertCommand.ValidExitCode, await Run("cert", "verify", story.CertificateFile, "--genesis", story.GenesisFile));
        Assert.Empty(CertCommand.VerifyFile(story.CertificateFile, story.GenesisFile));

        var text = await File.ReadAllTextAsync(story.CertificateFile + ".txt");
        Assert.Contains("受益方 / Beneficiary: Ordos No. 1 Middle School", text, StringComparison.Ordinal);
        Assert.Contains("使用主体 / Using entity: Ordos Kangbashi District Education Bureau", text, StringComparison.Ordinal);
        Assert.Contains("0.400000 tCO2e", text, StringComparison.Ordinal);
        Assert.Contains(story.CancellationId, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("beneficiary", "beneficiary")]
    [InlineData("purpose", "purpose")]
    [InlineData("serial range", "serial range")]
    [InlineData("grams", "grams")]
    [InlineData("batch", "batch id")]
    [InlineData("using entity", "using entity")]
    [InlineData("envelope byte", "request: Merkle path mismatch")]
    [InlineData("merkle path", "request: Merkle path mismatch")]
    [InlineData("state root", "approval: commit certificate")]
    [InlineData("certificate signature", "approval: commit certificate: the precommit signature")]
    [InlineData("validator set", "approval: validator set hash mismatch")]
    public async Task An_altered_copy_is_invalid_with_the_problem_named(string alteration, string problem)
    {
        var certificate = story.Certificate();
        Alter(certificate, alteration);
        var file = story.TempFile();
        CertCommand.Write(certificate, file);

        Assert.Equal(CertCommand.InvalidExitCode, await Run("cert", "verify", file, "--genesis", story.GenesisFile));
        var problems = CertCommand.VerifyFile(file, story.GenesisFile);
        Assert.True(problems.Any(p => p.StartsWith(problem, StringComparison.Ordinal)), $"expected '{problem}' among: {string.Join(" | ", problems)}");
    }

    [Fact]
    public async Task Misuse_and_unreadable_files_exit_2()
    {
        Assert.Equal(CertCommand.UsageExitCode, await Run("cert", "verify", story.CertificateFile + ".missing", "--genesis", story.GenesisFile));
        Assert.Equal(CertCommand.UsageExitCode, await Run("cert", "verify", story.CertificateFile + ".txt", "--genesis", story.GenesisFile));
    }

    private static void Alter(CancellationCertificate certificate, string alteration)
    {
        switch (alteration)
        {
            case "beneficiary": certificate.Beneficiary += " (forged)"; break;
            case "purpose": certificate.Purpose = "another purpose"; break;
            case "serial range": certificate.SerialRange = certificate.BatchId + ":1-400000" == certificate.SerialRange ? certificate.BatchId + ":2-400001" : certificate.BatchId + ":1-400000"; break;
            case "grams": certificate.AmountGrams *= 2; break;
            case "batch": certificate.BatchId += "x"; break;
            case "using entity": certificate.UsingEntity = "Someone else"; break;
            case "envelope byte": certificate.Request.Envelope.Body = Flip(certificate.Request.Envelope.Body); break;
            case "merkle path": AlterPath(certificate.Request.MerklePath); break;
            case "state root": certificate.Approval.Header.StateRoot = Flip(certificate.Approval.Header.StateRoot); break;
            case "certificate signature": certificate.Approval.Commit.Signatures[0].Signature = Flip(certificate.Approval.Commit.Signatures[0].Signature); break;
            default: certificate.Approval.Validators[0].Power++; break;
        }
    }

    /// <summary>Flips a sibling hash; a request alone in its block has none, so a forged level is added instead.</summary>
    private static void AlterPath(Google.Protobuf.Collections.RepeatedField<ByteString> path)
    {
        if (path.Count > 0)
        {
            path[0] = Flip(path[0]);
        }
        else
        {
            path.Add(ByteString.CopyFrom(new byte[32]));
        }
    }

    private static ByteString Flip(ByteString bytes)
    {
        var flipped = bytes.ToByteArray();
        flipped[flipped.Length / 2] ^= 0x01;
        return ByteString.CopyFrom(flipped);
    }

    /// <summary>Runs the CLI's command tree in-process with Program.cs's exit-code rule for misuse.</summary>
    private static async Task<int> Run(params string[] args)
    {
        var parsed = new RootCommand { CertCommand.Create() }.Parse(args);
        var exitCode = await parsed.InvokeAsync();
        return parsed.Errors.Count > 0 && CertCommand.Owns(parsed.CommandResult) ? CertCommand.UsageExitCode : exitCode;
    }

    /// <summary>A single-validator node that committed the story up to an approved cancellation, and its certificate fetched with `ledger cert get`.</summary>
    public sealed class ApprovedCancellation : IAsyncLifetime
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-cert-" + Guid.NewGuid().ToString("N")[..12]);

        public NodeProcess Node { get; private set; } = null!;

        public string CancellationId { get; private set; } = "";

        public string GenesisFile => Path.Combine(_directory, "genesis.json");

        public string CertificateFile => Path.Combine(_directory, "certificate.json");

        public CancellationCertificate Certificate() => JsonParser.Default.Parse<CancellationCertificate>(File.ReadAllText(CertificateFile));

        public string TempFile() => Path.Combine(_directory, Guid.NewGuid().ToString("N")[..12] + ".json");

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_directory);
            Node = await NodeProcess.StartAsync(blockIntervalMs: 200);
            CancellationId = await CommitStoryAsync();
            await File.WriteAllTextAsync(GenesisFile, JsonFormatter.Default.Format(Node.Genesis));
            var exitCode = await Run("cert", "get", CancellationId, "--node", Node.Url.ToString(), "--out", CertificateFile);
            Assert.Equal(CertCommand.ValidExitCode, exitCode);
        }

        public async Task DisposeAsync()
        {
            await Node.DisposeAsync();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        /// <summary>Register, methodology, project, issuance, transfer, then two requests in one block (so the Merkle path has siblings) and one approval.</summary>
        private async Task<string> CommitStoryAsync()
        {
            await using var client = Participants.Client(Node);
            var (owner, trader, _, batch) = await Stories.IssueAndTransferAsync(client);
            await client.SubmitAsync(Transactions.RequestCancellation(batch, 100_000, "Another school", "another purpose"), owner);
            var request = await client.SubmitAndWaitAsync(Transactions.RequestCancellation(batch, 400_000, "Ordos No. 1 Middle School", "2025 campus carbon neutrality", "Ordos Kangbashi District Education Bureau"), trader);
            var cancellationId = request.Attribute("cancellation_id")!;
            await client.SubmitAndWaitAsync(Transactions.ApproveCancellation(cancellationId), Participants.Operator);
            return cancellationId;
        }
    }
}
