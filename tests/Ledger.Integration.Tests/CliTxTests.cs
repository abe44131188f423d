using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Cli;
using Ledger.Client.Keys;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>
/// `ledger tx …` run in-process against a real node, its output captured through the invocation's
/// own writers (never Console.SetOut, so these tests run beside any other). Each step is checked by
/// its exit code and output, and the story's end by the ledger's state read through the SDK.
/// </summary>
public sealed class CliTxTests(CliTxTests.Keys keys) : IClassFixture<CliTxTests.Keys>
{
    private const string Owner = "owner-cli";
    private const string Trader = "trader-cli";
    private const string Expert = "expert-cli";
    private const string BatchId = "ORD-P-PV-CLI-20250101-20250331";

    [Fact]
    public async Task A_credit_lives_its_whole_life_through_the_cli_with_co_signatures_gathered_offline()
    {
        await using var node = await NodeProcess.StartAsync();
        await using var client = Participants.Client(node);
        var url = node.Url.ToString();
        string[] Online(string keyFile, string signer, params string[] args) => [.. args, "--node", url, "--key", keys.File(keyFile), "--as", signer];

        // Registration: a base64 public key, then a public-key PEM file and a role named as the proto does.
        await Committed(Online("operator", TestLedger.Operator, "tx", "register-participant", "--participant", Owner, "--name", "Owner CLI Co.", "--role", "project-owner",
            "--public-key", Convert.ToBase64String(TestKeys.For(Owner).PublicKeyBytes)));
        await Committed(Online("operator", TestLedger.Operator, "tx", "register-participant", "--participant", Trader, "--name", "Trader CLI Co.", "--role", "ROLE_TRADER",
            "--public-key", keys.File(Trader + ".pub")));
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "file-methodology", "--methodology", "M-CLI", "--title", "Rooftop photovoltaics", "--level", "local", "--version", "1.0", "--activity-type", "pv"));
        await Committed(Online(Owner, Owner, "tx", "apply-project", "--project", "PV-CLI", "--title", "Rooftop PV, Dongsheng", "--methodology", "M-CLI"));
        // The lifecycle on the test genesis's development rules (one opinion, no notice wait): review, notice, an objection answered, approval.
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "register-participant", "--participant", Expert, "--name", "Prof. CLI", "--role", "expert", "--public-key", keys.File(Expert + ".pub")));
        await Committed(Online(Expert, Expert, "tx", "submit-review", "--subject", "PV-CLI", "--verdict", "favourable", "--summary", "baseline and boundary sound"));
        await Committed(Online("operator", TestLedger.Operator, "tx", "start-public-notice", "--subject", "PV-CLI"));
        await Committed(Online(Trader, Trader, "tx", "file-objection", "--subject", "PV-CLI", "--text", "the panels predate the scheme"));
        var early = await Run(Online("bureau", TestLedger.Bureau, "tx", "approve-project", "--project", "PV-CLI"));
        Assert.Equal(TxCommand.RefusedExitCode, early.ExitCode);
        Assert.Contains("REJECTION_CODE_OBJECTION_UNANSWERED", early.Error, StringComparison.Ordinal);
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "answer-objection", "--subject", "PV-CLI", "--objection", "1", "--answer", "commissioning certificate checked"));
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "set-calendar", "--year", "2025", "--holiday", "2025-10-01,2025-10-02", "--working-day", "2025-09-28"));
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "approve-project", "--project", "PV-CLI"));
        await Committed(Online(Owner, Owner, "tx", "apply-project", "--project", "PV-REJ", "--title", "Listed elsewhere", "--methodology", "M-CLI", "--external-registry-id", "VCS-1234"));
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "reject-project", "--project", "PV-REJ", "--reason", "registered with VCS"));

        // Issuance: the bureau prepares offline, the verifier reviews and co-signs, anyone submits.
        var report = keys.Write("report.pdf", "verification report PV-CLI 2025 Q1"u8.ToArray());
        var envelope = keys.Path("issue.json");
        var head = (await client.GetStatusAsync()).Height;
        var prepared = await Run("tx", "issue-project-reductions", "--project", "PV-CLI", "--from", "2025-01-01", "--to", "2025-03-31", "--tonnes", "2.5",
            "--report", report, "--verifier", TestLedger.Verifier, "--key", keys.File("bureau"), "--as", TestLedger.Bureau,
            "--out", envelope, "--chain-id", TestLedger.ChainId, "--expiry-height", (head + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), "--hash-algorithm", "sha256");
        prepared.Succeeded();
        Assert.Contains($"a co-signature by the verifier {TestLedger.Verifier}", prepared.Out, StringComparison.Ordinal);
        var shown = await Run("tx", "show", envelope);
        shown.Succeeded();
        Assert.Matches($@"still needs\s+a co-signature by the verifier {TestLedger.Verifier}", shown.Out);
        var signed = await Run("tx", "sign", envelope, "--key", keys.File("verifier"), "--as", TestLedger.Verifier, "--yes");
        signed.Succeeded();
        Assert.Contains("2500000 g (2.500000 tCO2e)", signed.Out, StringComparison.Ordinal);
        Assert.Contains("2025-01-01 to 2025-03-31", signed.Out, StringComparison.Ordinal);
        Assert.Matches($@"signing as\s+{TestLedger.Verifier} with", signed.Out);
        var issued = Json(await Committed("tx", "submit", envelope, "--node", url, "--json"));
        Assert.Equal(BatchId, issued.GetProperty("attributes").GetProperty("batch_id").GetString());

        // Use: a negotiated transfer accepted by the buyer and attested by the operator with --cosign, an overspend refused by name, two cancellations.
        await Committed(Online(Owner, Owner, "tx", "transfer", "--to", Trader, "--batch", BatchId, "--tonnes", "1", "--price", "4500", "--cosign", $"{TestLedger.Operator}={keys.File("operator")}", "--cosign", $"{Trader}={keys.File(Trader)}"));
        var overspend = await Run(Online(Trader, Trader, "tx", "transfer", "--to", Owner, "--batch", BatchId, "--grams", "1000001", "--price", "4500", "--cosign", $"{TestLedger.Operator}={keys.File("operator")}", "--cosign", $"{Owner}={keys.File(Owner)}"));
        Assert.Equal(TxCommand.RefusedExitCode, overspend.ExitCode);
        Assert.Contains("REJECTED REJECTION_CODE_INSUFFICIENT_BALANCE", overspend.Error, StringComparison.Ordinal);
        await Committed(Online("bureau", TestLedger.Bureau, "tx", "change-validators", "--validator", $"{NodeProcess.ValidatorId}={keys.File(NodeProcess.ValidatorId)}:2"));
        var request = Json(await Committed(Online(Trader, Trader, "tx", "request-cancellation", "--batch", BatchId, "--grams", "400000", "--beneficiary", "Ordos No. 1 Middle School", "--purpose", "2025 campus carbon neutrality", "--json")));
        var approvedId = request.GetProperty("attributes").GetProperty("cancellation_id").GetString()!;
        Assert.Equal(request.GetProperty("transactionId").GetString(), approvedId);
        var approval = await Committed(Online("operator", TestLedger.Operator, "tx", "approve-cancellation", "--cancellation", approvedId));
        Assert.Matches($@"serial_range\s+{BatchId}:1-400000", approval);
        var admitted = Json(await Admitted(Online(Trader, Trader, "tx", "request-cancellation", "--batch", BatchId, "--grams", "100000", "--beneficiary", "Someone", "--purpose", "changed mind", "--no-wait", "--json")));
        var declinedId = admitted.GetProperty("transactionId").GetString()!;
        await WaitUntil(async () => await client.GetCancellationAsync(declinedId) is not null);
        await Committed(Online("operator", TestLedger.Operator, "tx", "decline-cancellation", "--cancellation", declinedId, "--reason", "withdrawn by the holder"));

        // Keys and participants: a self-rotation with proof of possession, then the new key signs and the old one no longer does.
        await Committed(Online(Trader, Trader, "tx", "rotate-key", "--new-key", keys.File(Trader + "-new")));
        var oldKey = await Run(Online(Trader, Trader, "tx", "transfer", "--to", Owner, "--batch", BatchId, "--grams", "100000", "--price", "450", "--currency", "CNY", "--cosign", $"{TestLedger.Operator}={keys.File("operator")}", "--cosign", $"{Owner}={keys.File(Owner)}"));
        Assert.Equal(TxCommand.RefusedExitCode, oldKey.ExitCode);
        Assert.Contains("REJECTION_CODE_BAD_SIGNATURE", oldKey.Error, StringComparison.Ordinal);
        await Committed(Online(Trader + "-new", Trader, "tx", "transfer", "--to", Owner, "--batch", BatchId, "--grams", "100000", "--price", "450", "--currency", "CNY", "--cosign", $"{TestLedger.Operator}={keys.File("operator")}", "--cosign", $"{Owner}={keys.File(Owner)}"));
        await Committed(Online("operator", TestLedger.Operator, "tx", "update-participant", "--participant", Owner, "--name", "Owner CLI Renamed Co.", "--role", "project_owner", "--status", "active"));

        // The ledger's own account of it all.
        var batch = (await client.GetBatchAsync(BatchId))!;
        Assert.Equal(2_500_000UL, batch.IssuedGrams);
        Assert.Equal(400_000UL, batch.RetiredGrams);
        Assert.Equal(0UL, batch.EscrowedGrams);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(report))), Convert.ToHexStringLower(batch.ReportHash.Span));
        Assert.Equal(TestLedger.Verifier, batch.VerifierId);
        Assert.Equal((1_600_000UL, 0UL, 0UL), Holding(await client.GetBalancesAsync(Owner)));
        Assert.Equal((500_000UL, 0UL, 400_000UL), Holding(await client.GetBalancesAsync(Trader)));
        Assert.Equal(CancellationStatus.Approved, (await client.GetCancellationAsync(approvedId))!.Status);
        Assert.Equal(CancellationStatus.Declined, (await client.GetCancellationAsync(declinedId))!.Status);
        Assert.Equal(ProjectStatus.Rejected, (await client.GetProjectAsync("PV-REJ"))!.Status);
        Assert.Equal((ProjectStatus.Approved, 1u, 0u), ((await client.GetProjectAsync("PV-CLI"))!.Status, (await client.GetProjectAsync("PV-CLI"))!.ObjectionsFiled, (await client.GetProjectAsync("PV-CLI"))!.ObjectionsUnanswered));
        Assert.Equal(TestKeys.For(Trader + "-new").ToPublicKey(), (await client.GetParticipantAsync(Trader))!.PublicKey);
        Assert.Equal("Owner CLI Renamed Co.", (await client.GetParticipantAsync(Owner))!.Name);
        Assert.Equal(2UL, (await client.GetStatusAsync()).Validators.Single().Power);
    }

    [Fact]
    public async Task A_bureau_rotation_of_a_lost_key_gets_its_proof_of_possession_from_the_key_holder_offline()
    {
        var envelope = keys.Path("rotation.json");
        (await Run("tx", "rotate-key", "--participant", Trader, "--new-public-key", keys.File(Trader + "-new.pub"), "--key", keys.File("bureau"), "--as", TestLedger.Bureau,
            "--out", envelope, "--chain-id", TestLedger.ChainId, "--expiry-height", "500")).Succeeded();

        var proof = await Run("tx", "sign", envelope, "--key", keys.File(Trader + "-new"), "--as", Trader, "--json");
        proof.Succeeded();
        var summary = Json(proof.Out);
        Assert.Equal(new string?[] { TestLedger.Bureau, Trader }, summary.GetProperty("signatures").EnumerateArray().Select(s => s.GetString()).ToArray());
        Assert.Empty(summary.GetProperty("missingSignatures").EnumerateArray());
        var rotation = Google.Protobuf.JsonParser.Default.Parse<Envelope>(File.ReadAllText(envelope));
        var newKey = TestKeys.For(Trader + "-new").ToPublicKey();
        Assert.Equal(newKey, TransactionBody.Parser.ParseFrom(rotation.Body).RotateKey.NewPublicKey);
        Assert.True(SignatureSuites.Verify(newKey, SignBytes.For(rotation), rotation.Signatures[^1].Value.Span), "the proof of possession does not verify under the new key");
        Assert.True(SignatureSuites.Verify(TestKeys.For(TestLedger.Bureau).ToPublicKey(), SignBytes.For(rotation), rotation.Signatures[0].Value.Span), "the bureau's signature no longer verifies");

        var after = await Run("tx", "sign", envelope, "--key", keys.File("operator"), "--as", TestLedger.Operator, "--yes");
        Assert.Equal(TxCommand.UsageExitCode, after.ExitCode);
        Assert.Contains("proof of possession", after.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_transaction_kind_of_the_proto_has_a_command()
    {
        var kinds = TransactionBody.Descriptor.Oneofs.Single(o => o.Name == "kind").Fields.Select(f => f.Name.Replace('_', '-'));
        var commands = TxCommand.Create().Subcommands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

        Assert.All(kinds, kind => Assert.Contains(kind, commands));
    }

    [Theory]
    [InlineData("a missing key file", "--key", "missing.pem", "missing.pem")]
    [InlineData("a key file that is no PEM", "--key", "garbage.pem", "PRIVATE KEY")]
    [InlineData("a participant id with a space", "--as", "owner cli", "--as must be a participant id")]
    [InlineData("an unknown role", "--role", "wizard", "--role must be one of BUREAU, OPERATOR")]
    [InlineData("a missing required option", "--participant", null, "'--participant' is required")]
    [InlineData("neither a node nor an output file", "--out", null, "give --node URL to submit, or --out FILE")]
    [InlineData("an amount of zero", "--grams", "0", "--grams/--tonnes: amountGrams must be positive")]
    [InlineData("a fraction of a gram", "--tonnes", "0.0000001", "not a whole number of grams")]
    public async Task Misuse_exits_2_with_a_short_message_and_no_stack_trace(string misuse, string option, string? value, string expected)
    {
        keys.Write("garbage.pem", "not a key"u8.ToArray());
        var transfer = option is "--grams" or "--tonnes";
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--key"] = keys.File("operator"), ["--as"] = TestLedger.Operator, ["--out"] = keys.Path("misuse.json"),
            ["--chain-id"] = TestLedger.ChainId, ["--expiry-height"] = "500",
        };
        var body = transfer
            ? new Dictionary<string, string>(StringComparer.Ordinal) { ["--to"] = Owner, ["--batch"] = BatchId, ["--price"] = "100" }
            : new Dictionary<string, string>(StringComparer.Ordinal) { ["--participant"] = "p-1", ["--name"] = "P One", ["--role"] = "trader", ["--public-key"] = keys.File(Trader + ".pub") };
        foreach (var (name, text) in body)
        {
            arguments[name] = text;
        }

        arguments.Remove(option);
        if (value is not null)
        {
            arguments[option] = option == "--key" ? keys.Path(value) : value;
        }

        var run = await Run([.. new[] { "tx", transfer ? "transfer" : "register-participant" }, .. arguments.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.True(run.ExitCode == TxCommand.UsageExitCode, $"{misuse}: exit {run.ExitCode}\n{run.Error}");
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    private static (ulong Tradable, ulong Escrowed, ulong Retired) Holding(IReadOnlyList<BalanceRecord> balances)
    {
        var balance = balances.Single(b => b.BatchId == BatchId);
        return (balance.TradableGrams, balance.EscrowedGrams, balance.RetiredGrams);
    }

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement;

    private static async Task<string> Committed(params string[] args) => await Expect("COMMITTED", args);

    private static async Task<string> Admitted(params string[] args) => await Expect("ADMITTED", args);

    private static async Task<string> Expect(string status, string[] args)
    {
        var run = await Run(args);
        run.Succeeded();
        Assert.True(run.Out.Contains(status, StringComparison.Ordinal), $"expected {status} from `{string.Join(' ', args)}`:\n{run.Out}");
        return run.Out;
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }

    /// <summary>Runs `ledger` in-process with Program.cs's rule that misuse of `ledger tx` exits 2.</summary>
    private static async Task<Outcome> Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var parsed = new RootCommand { TxCommand.Create() }.Parse(args);
        var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Outcome(parsed.Errors.Count > 0 && TxCommand.Owns(parsed.CommandResult) ? TxCommand.UsageExitCode : exitCode, output.ToString(), error.ToString());
    }

    private sealed record Outcome(int ExitCode, string Out, string Error)
    {
        public void Succeeded() => Assert.True(ExitCode == TxCommand.AcceptedExitCode, $"exit {ExitCode}\n{Out}\n{Error}");
    }

    /// <summary>PEM files of every signer in a temp folder, as each party would hold its own.</summary>
    public sealed class Keys : IDisposable
    {
        private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ledger-cli-tx-" + Guid.NewGuid().ToString("N")[..12]);

        public Keys()
        {
            Directory.CreateDirectory(_directory);
            foreach (var (file, id) in new[] { ("bureau", TestLedger.Bureau), ("operator", TestLedger.Operator), ("verifier", TestLedger.Verifier) })
            {
                KeyFile.Write(File(file), TestKeys.For(id));
            }

            foreach (var id in new[] { Owner, Trader, Trader + "-new", Expert, NodeProcess.ValidatorId })
            {
                KeyFile.Write(File(id), TestKeys.For(id));
                System.IO.File.WriteAllText(File(id + ".pub"), TestKeys.For(id).ToPublicKeyPem());
            }
        }

        public string File(string name) => Path(name + ".pem");

        public string Path(string name) => System.IO.Path.Combine(_directory, name);

        public string Write(string name, byte[] bytes)
        {
            System.IO.File.WriteAllBytes(Path(name), bytes);
            return Path(name);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
