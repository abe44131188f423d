using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Ledger.Client;
using Ledger.Core.Cancellation;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Cli;

/// <summary>
/// `ledger cert get ID --node URL --out FILE` and `ledger cert verify FILE --genesis FILE`: the
/// self-contained cancellation certificate of DESIGN §6 (docs/DECISIONS.md D18). Verify exits 0
/// when valid, 1 when invalid, 2 when misused or a file cannot be read.
/// </summary>
public static class CertCommand
{
    public const string Name = "cert";
    public const int ValidExitCode = 0;
    public const int InvalidExitCode = 1;
    public const int UsageExitCode = 2;

    private const decimal GramsPerTonne = 1_000_000m;

    public static Command Create() => new(Name, "cancellation certificates: fetch one from a node, verify one offline") { GetCommand(), VerifyCommand() };

    /// <summary>True when a parse result belongs to `ledger cert …`, whose misuse exits 2 like `ledger verify`'s.</summary>
    public static bool Owns(CommandResult result) =>
        result.Command.Name == Name || result.Parent is CommandResult { Command.Name: Name };

    /// <summary>The certificate of an approved cancellation, assembled from what node serves.</summary>
    public static async Task<CancellationCertificate> FetchAsync(Uri node, string cancellationId, CancellationToken cancellation = default, FileInfo? ca = null)
    {
        await using var client = new LedgerClient(NodeConnection.ClientOptions(node, ca));
        var record = await client.GetCancellationAsync(cancellationId, cancellation) ?? throw new IOException($"the node knows no cancellation {cancellationId}");
        if (record.Status != CancellationStatus.Approved)
        {
            throw new IOException($"cancellation {cancellationId} is {record.Status}: only an approved cancellation has a certificate");
        }

        var status = await client.GetStatusAsync(cancellation);
        var request = await client.GetTransactionAsync(cancellationId, cancellation) ?? throw new IOException($"the node does not serve the request transaction {cancellationId}");
        var requestBlock = await CommittedAsync(client, node, request.Height, cancellation);
        var approvalBlock = await CommittedAsync(client, node, record.DecidedHeight, cancellation);
        var approvalIndex = ApprovalIndex(approvalBlock, cancellationId);
        return CancellationCertificates.Build(status.HashAlgorithm, record, requestBlock, (int)request.Index, approvalBlock, approvalIndex);
    }

    /// <summary>Writes FILE (protobuf JSON) and FILE.txt (the rendering a person reads).</summary>
    public static void Write(CancellationCertificate certificate, string path)
    {
        File.WriteAllText(path, JsonFormatter.Default.Format(certificate) + "\n");
        File.WriteAllText(path + ".txt", Render(certificate), Encoding.UTF8);
    }

    /// <summary>The problems of the certificate in file under the genesis in genesisFile; empty when valid.</summary>
    public static IReadOnlyList<string> VerifyFile(string file, string genesisFile)
    {
        var genesis = JsonParser.Default.Parse<Genesis>(File.ReadAllText(genesisFile));
        var certificate = JsonParser.Default.Parse<CancellationCertificate>(File.ReadAllText(file));
        return CancellationCertificates.Verify(genesis, certificate);
    }

    /// <summary>Chinese and English labels, quantities in tCO2e with 6 decimals.</summary>
    public static string Render(CancellationCertificate certificate)
    {
        var tonnes = (certificate.AmountGrams / GramsPerTonne).ToString("F6", CultureInfo.InvariantCulture);
        (string Label, string Value)[] lines =
        [
            ("证书编号 / Certificate ID", certificate.CertificateId),
            ("链 / Chain", certificate.ChainId),
            ("批次 / Batch", certificate.BatchId),
            ("序列号范围 / Serial range", certificate.SerialRange),
            ("注销数量 / Quantity cancelled", $"{tonnes} tCO2e"),
            ("持有方 / Holder", certificate.Holder),
            .. OnBehalf(certificate),
            ("使用主体 / Using entity", certificate.UsingEntity),
            ("受益方 / Beneficiary", certificate.Beneficiary),
            ("用途 / Purpose", certificate.Purpose),
            ("批准人 / Approved by", certificate.ApprovedBy),
            ("申请区块高度 / Requested at height", certificate.RequestedHeight.ToString(CultureInfo.InvariantCulture)),
            ("批准区块高度 / Approved at height", certificate.ApprovedHeight.ToString(CultureInfo.InvariantCulture)),
            ("批准时间 / Approved at (UTC)", Time(certificate.Approval?.Header)),
        ];
        var text = new StringBuilder("碳减排量注销证明 / Carbon Credit Cancellation Certificate\n\n");
        foreach (var (label, value) in lines)
        {
            text.Append(label).Append(": ").Append(value).Append('\n');
        }

        return text.Append("\n核验 / To verify, with only the genesis file: ledger cert verify FILE --genesis GENESIS.json\n").ToString();
    }

    /// <summary>
    /// A custody cancellation (§23, D24) says it was for a pseudonymous user of the holder, with the consent
    /// reference; the user id itself is in the JSON, never printed as if it were a person (§28).
    /// </summary>
    private static (string Label, string Value)[] OnBehalf(CancellationCertificate certificate) =>
        certificate.CustodyUserId.IsEmpty
            ? []
            : [("代持 / In custody for", $"a pseudonymous user of {certificate.Holder} (consent {certificate.ConsentRef})")];

    private static Command GetCommand()
    {
        var id = new Argument<string>("ID") { Description = "the cancellation id (the request's transaction id in hex)" };
        var node = StatusCommand.NodeOption();
        var output = new Option<FileInfo>("--out") { Description = "the certificate file to write (JSON); FILE.txt gets the readable rendering", Required = true };
        var ca = NodeConnection.CaOption();
        var command = new Command("get", "fetch the certificate of an approved cancellation from a node") { id, node, ca, output };
        command.SetAction((result, cancellation) => GetAsync(result.GetValue(id)!, result.GetValue(node)!, result.GetValue(ca), result.GetValue(output)!, cancellation));
        return command;
    }

    private static Command VerifyCommand()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "a certificate written by `ledger cert get`" };
        var genesis = new Option<FileInfo>("--genesis") { Description = "the genesis JSON the auditor trusts", Required = true };
        var command = new Command("verify", "check a certificate offline with nothing but the genesis file") { file, genesis };
        command.SetAction(result => Verify(result.GetValue(file)!, result.GetValue(genesis)!));
        return command;
    }

    private static async Task<int> GetAsync(string id, Uri node, FileInfo? ca, FileInfo output, CancellationToken cancellation)
    {
        try
        {
            var certificate = await FetchAsync(node, id, cancellation, ca);
            Write(certificate, output.FullName);
            Console.WriteLine($"wrote {output.FullName} and {output.FullName}.txt");
            return ValidExitCode;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or LedgerClientException or ArgumentException)
        {
            Console.Error.WriteLine(NodeConnection.Explain($"ledger cert get: {exception.Message}"));
            return UsageExitCode;
        }
    }

    private static int Verify(FileInfo file, FileInfo genesis)
    {
        IReadOnlyList<string> problems;
        try
        {
            problems = VerifyFile(file.FullName, genesis.FullName);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            Console.Error.WriteLine($"ledger cert verify: {exception.Message}");
            return UsageExitCode;
        }

        Console.WriteLine(problems.Count == 0 ? "VALID" : "INVALID");
        foreach (var problem in problems)
        {
            Console.WriteLine("  " + problem);
        }

        return problems.Count == 0 ? ValidExitCode : InvalidExitCode;
    }

    /// <summary>
    /// The block at height with the validators in force at that height (D43), not the node's current set:
    /// after a validator change, today's set no longer hashes to an older block's header.
    /// </summary>
    private static async Task<CancellationCertificates.CommittedBlock> CommittedAsync(LedgerClient client, Uri node, ulong height, CancellationToken cancellation)
    {
        var reply = await client.GetBlockAsync(height, cancellation) ?? throw new IOException($"the node does not serve block {height}");
        var validators = await ValidatorsAtAsync(client, node, height, cancellation) ?? throw new IOException($"the node does not serve the validators of height {height}");
        return new CancellationCertificates.CommittedBlock(reply.Block, reply.Receipts, reply.Certificate, validators);
    }

    /// <summary>
    /// GetValidators (D43); a node built before it answers UNIMPLEMENTED. The current validators are no substitute (D48):
    /// after any validator change they would not match an older block, and the certificate would fail verification.
    /// </summary>
    private static async Task<IReadOnlyList<Validator>?> ValidatorsAtAsync(LedgerClient client, Uri node, ulong height, CancellationToken cancellation)
    {
        try
        {
            return await client.GetValidatorsAsync(height, cancellation);
        }
        catch (LedgerClientException exception) when (exception.StatusCode == Grpc.Core.StatusCode.Unimplemented)
        {
            throw new IOException(
                $"the node at {node} does not answer GetValidators, so it cannot say which validators signed block {height}: it runs an older version of the ledger than this tool. " +
                "Upgrade the node, or ask one that runs this version, and fetch the certificate again.",
                exception);
        }
    }

    /// <summary>The committed approval of cancellationId in the block its record names as decided.</summary>
    private static int ApprovalIndex(CancellationCertificates.CommittedBlock block, string cancellationId)
    {
        for (var index = 0; index < block.Block.Transactions.Count; index++)
        {
            var body = TransactionBody.Parser.ParseFrom(block.Block.Transactions[index].Body);
            if (body.ApproveCancellation?.CancellationId == cancellationId && block.Receipts[index].Code == RejectionCode.Unspecified)
            {
                return index;
            }
        }

        throw new IOException($"block {block.Block.Header.Height} holds no committed approval of {cancellationId}");
    }

    private static string Time(BlockHeader? header) =>
        header is null ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(header.TimeMs).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
