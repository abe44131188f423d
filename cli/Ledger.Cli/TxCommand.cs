using System.CommandLine;
using System.CommandLine.Parsing;
using Ledger.Cli.Tx;
using Ledger.Client;
using Ledger.Core;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Cli;

/// <summary>
/// `ledger tx KIND …` for every kind of TransactionBody, plus the offline flow for transactions more
/// than one party signs: `KIND … --out FILE` prepares and signs an envelope, `tx sign FILE` adds a
/// co-signature (the verifier's report, the operator's attestation), `tx submit FILE` sends it.
/// Exit 0 when committed (or admitted with --no-wait, or written), 1 when the ledger refused it or the
/// node failed, 2 for misuse: a bad option, file, key or id.
/// </summary>
public static class TxCommand
{
    public const string Name = "tx";
    public const int AcceptedExitCode = 0;
    public const int RefusedExitCode = 1;
    public const int UsageExitCode = 2;

    public static Command Create()
    {
        var command = new Command(Name, "sign and submit transactions of every kind; prepare, co-sign and submit multi-party ones offline");
        foreach (var kind in TxKinds.Create())
        {
            command.Add(KindCommand(kind));
        }

        command.Add(SignCommand());
        command.Add(SubmitCommand());
        command.Add(ShowCommand());
        return command;
    }

    /// <summary>True when a parse result belongs to `ledger tx …`, whose misuse exits 2.</summary>
    public static bool Owns(CommandResult result) =>
        result.Command.Name == Name || result.Parent is CommandResult { Command.Name: Name };

    private static Command KindCommand(TxKind kind)
    {
        var common = new CommonOptions();
        var command = new Command(kind.Name, kind.Description);
        foreach (var option in kind.Options.Concat(common.All))
        {
            command.Add(option);
        }

        command.SetAction((result, cancellation) => RunKindAsync(result, kind, common, cancellation));
        return command;
    }

    private static Command SignCommand()
    {
        var file = EnvelopeArgument();
        var key = KeyOption();
        var signer = AsOption();
        var yes = new Option<bool>("--yes") { Description = "sign without asking (the envelope is still shown)" };
        var json = JsonOption();
        var command = new Command("sign", "show a prepared envelope and add your co-signature to it (rewrites FILE)") { file, key, signer, yes, json };
        command.SetAction(result => Sign(result, result.GetValue(file)!, result.GetValue(key)!, result.GetValue(signer)!, result.GetValue(yes), result.GetValue(json)));
        return command;
    }

    private static Command SubmitCommand()
    {
        var file = EnvelopeArgument();
        var node = StatusCommand.NodeOption();
        var ca = NodeConnection.CaOption();
        var noWait = NoWaitOption();
        var json = JsonOption();
        var command = new Command("submit", "submit a prepared envelope") { file, node, ca, noWait, json };
        command.SetAction((result, cancellation) => SubmitFileAsync(result, result.GetValue(file)!, result.GetValue(node)!, result.GetValue(ca), result.GetValue(noWait), result.GetValue(json), cancellation));
        return command;
    }

    private static Command ShowCommand()
    {
        var file = EnvelopeArgument();
        var json = JsonOption();
        var command = new Command("show", "show what a prepared envelope says and which signatures it still needs") { file, json };
        command.SetAction(result => Show(result, result.GetValue(file)!, result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunKindAsync(ParseResult result, TxKind kind, CommonOptions common, CancellationToken cancellation)
    {
        var output = new TxOutput(result, result.GetValue(common.Json));
        var node = result.GetValue(common.Node);
        var keys = new List<SigningKey>();
        try
        {
            var signer = LoadSigner(result.GetValue(common.Key)!, result.GetValue(common.As)!, keys);
            var coSigners = (result.GetValue(common.CoSign) ?? []).Select(text => TxArguments.CoSigner(text, keys)).ToList();
            await using var client = node is null ? null : NewClient(node, result.GetValue(common.Ca));
            var frame = await FrameAsync(result, common, client, cancellation);
            var draft = kind.Build(result, new TxContext(signer.ParticipantId, frame.Hash));
            if (draft.NewKey is not null)
            {
                keys.Add(draft.NewKey);
            }

            var envelope = Sign(draft, frame, signer, coSigners);
            return result.GetValue(common.Out) is { } file
                ? Prepared(output, kind.Name, envelope, draft.Body, file, frame.Hash)
                : await SubmitAsync(output, client!, kind.Name, envelope, result.GetValue(common.NoWait), cancellation);
        }
        catch (Exception exception) when (exception is TxUsageException or ArgumentException)
        {
            return output.Usage(UsageMessage(exception));
        }
        catch (Exception exception) when (exception is LedgerClientException or LedgerTimeoutException)
        {
            return output.Failure(NodeMessage(node, exception));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    /// <summary>The chain id, expiry and network hash an envelope is made under: asked of --node, or given offline.</summary>
    private static async Task<Frame> FrameAsync(ParseResult result, CommonOptions common, LedgerClient? client, CancellationToken cancellation)
    {
        var chainId = result.GetValue(common.ChainId);
        var expiryHeight = result.GetValue(common.ExpiryHeight);
        var expiresIn = result.GetValue(common.ExpiresIn);
        var hashText = result.GetValue(common.HashAlgorithm);
        var hash = hashText is null ? HashAlgorithm.Unspecified : TxArguments.Enum<HashAlgorithm>(hashText, "--hash-algorithm");
        if (expiryHeight.HasValue && expiresIn.HasValue)
        {
            throw new TxUsageException("give at most one of --expiry-height H or --expires-in N");
        }

        if (expiresIn is 0 or > Limits.ExpiryHeightsAheadMax)
        {
            throw new TxUsageException($"--expires-in must be 1-{Limits.ExpiryHeightsAheadMax} heights, not {expiresIn}");
        }

        if (client is null)
        {
            return Offline(result.GetValue(common.Out), chainId, expiryHeight, expiresIn, hash);
        }

        var status = await client.GetStatusAsync(cancellation);
        if (chainId is not null && chainId != status.ChainId)
        {
            throw new TxUsageException($"--chain-id is {chainId}, but the node at {client.Endpoint} serves chain {status.ChainId}");
        }

        if (hash != HashAlgorithm.Unspecified && hash != status.HashAlgorithm)
        {
            throw new TxUsageException($"--hash-algorithm is {hashText}, but the node's network hash is {status.HashAlgorithm}");
        }

        var expiry = expiryHeight ?? checked(status.Height + (expiresIn ?? LedgerClientOptions.ExpiryWindowHeightsDefault));
        if (expiry <= status.Height || expiry - status.Height > Limits.ExpiryHeightsAheadMax)
        {
            throw new TxUsageException($"--expiry-height must be above the head height {status.Height} and at most {Limits.ExpiryHeightsAheadMax} beyond it, not {expiry}");
        }

        return new Frame(status.ChainId, expiry, status.HashAlgorithm);
    }

    private static Frame Offline(FileInfo? output, string? chainId, ulong? expiryHeight, ulong? expiresIn, HashAlgorithm hash)
    {
        if (output is null)
        {
            throw new TxUsageException("give --node URL to submit, or --out FILE to prepare the envelope offline");
        }

        if (expiresIn.HasValue)
        {
            throw new TxUsageException("--expires-in counts from the node's head height: give --node URL, or --expiry-height H offline");
        }

        if (chainId is null || expiryHeight is null)
        {
            throw new TxUsageException("preparing offline needs --chain-id ID and --expiry-height H (or --node URL to ask a node)");
        }

        return new Frame(chainId, expiryHeight.Value, hash);
    }

    private static Envelope Sign(TxDraft draft, Frame frame, LedgerSigner signer, IReadOnlyList<LedgerSigner> coSigners)
    {
        var nonce = Envelopes.NewNonce();
        if (draft.NewKey is null)
        {
            return Envelopes.Sign(frame.ChainId, draft.Body, signer, nonce, frame.ExpiryHeight, coSigners);
        }

        // §9 of PROTOCOL: the proof of possession must be the last signature, so nothing follows it.
        return coSigners.Count == 0
            ? Envelopes.RotateKey(frame.ChainId, signer, draft.Body.RotateKey.ParticipantId, draft.NewKey, nonce, frame.ExpiryHeight)
            : throw new TxUsageException("rotate-key --new-key takes no --cosign: the proof of possession by the new key is the last signature");
    }

    private static int Prepared(TxOutput output, string kind, Envelope envelope, TransactionBody body, FileInfo file, HashAlgorithm hash)
    {
        TxEnvelopeFile.Write(file, envelope);
        return output.Report(new TxReport(TxOutput.Prepared, kind)
        {
            File = file.FullName,
            TransactionId = hash is HashAlgorithm.Sha256 or HashAlgorithm.Sm3 ? Envelopes.TransactionId(envelope, hash) : null,
            ChainId = envelope.ChainId,
            ExpiryHeight = envelope.ExpiryHeight,
            Signatures = envelope.Signatures.Select(s => s.Signer).ToList(),
            MissingSignatures = TxEnvelopeFile.MissingSignatures(envelope, body),
        });
    }

    private static async Task<int> SubmitAsync(TxOutput output, LedgerClient client, string kind, Envelope envelope, bool noWait, CancellationToken cancellation) =>
        output.Report(noWait
            ? TxReport.Of(kind, await client.TrySubmitAsync(envelope, cancellation))
            : TxReport.Of(kind, await client.TrySubmitAndWaitAsync(envelope, cancellation)));

    private static int Sign(ParseResult result, FileInfo file, string keyPath, string signerId, bool yes, bool json)
    {
        var output = new TxOutput(result, json);
        var keys = new List<SigningKey>();
        try
        {
            var (envelope, body) = TxEnvelopeFile.Read(file);
            var signer = LoadSigner(keyPath, signerId, keys);
            RequireCoSignable(envelope, body, signer);
            var description = TxEnvelopeFile.Describe(envelope, body);
            if (!json)
            {
                output.Table(description.Append(("signing as", SigningAs(signer, body))));
            }

            if (!yes && !json && !Confirmed(output))
            {
                return output.Failure("not signed");
            }

            Envelopes.CoSign(envelope, signer);
            TxEnvelopeFile.Write(file, envelope);
            return output.Report(Summary(TxOutput.Signed, envelope, body, file, json ? description : null));
        }
        catch (Exception exception) when (exception is TxUsageException or ArgumentException)
        {
            return output.Usage(UsageMessage(exception));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    private static int Show(ParseResult result, FileInfo file, bool json)
    {
        var output = new TxOutput(result, json);
        try
        {
            var (envelope, body) = TxEnvelopeFile.Read(file);
            var description = TxEnvelopeFile.Describe(envelope, body);
            if (json)
            {
                return output.Report(Summary("ENVELOPE", envelope, body, file, description));
            }

            output.Table(description.Concat(TxEnvelopeFile.MissingSignatures(envelope, body).Select(m => ("still needs", m))));
            return AcceptedExitCode;
        }
        catch (TxUsageException exception)
        {
            return output.Usage(exception.Message);
        }
    }

    private static async Task<int> SubmitFileAsync(ParseResult result, FileInfo file, Uri node, FileInfo? ca, bool noWait, bool json, CancellationToken cancellation)
    {
        var output = new TxOutput(result, json);
        try
        {
            var (envelope, body) = TxEnvelopeFile.Read(file);
            var kind = TxEnvelopeFile.KindName(body.KindCase);
            await using var client = NewClient(node, ca);
            return await SubmitAsync(output, client, kind, envelope, noWait, cancellation);
        }
        catch (Exception exception) when (exception is TxUsageException or ArgumentException)
        {
            return output.Usage(UsageMessage(exception));
        }
        catch (Exception exception) when (exception is LedgerClientException or LedgerTimeoutException)
        {
            return output.Failure(NodeMessage(node, exception));
        }
    }

    /// <summary>Refuses a co-signature the ledger would refuse, or one that would break the envelope.</summary>
    private static void RequireCoSignable(Envelope envelope, TransactionBody body, LedgerSigner signer)
    {
        // A self-rotation is signed twice by one participant: with the old key, then (the proof) with the new one.
        if (envelope.Signatures.Any(s => s.Signer == signer.ParticipantId)
            && !(body.KindCase == TransactionBody.KindOneofCase.RotateKey && IsProofOfPossession(body, signer)))
        {
            throw new TxUsageException($"{signer.ParticipantId} has already signed this envelope");
        }

        if (body.KindCase == TransactionBody.KindOneofCase.RotateKey && envelope.Signatures.Count >= 2 && envelope.Signatures[^1].Signer == body.RotateKey.ParticipantId)
        {
            throw new TxUsageException("the envelope already ends with the proof of possession, which must stay the last signature");
        }
    }

    private static bool IsProofOfPossession(TransactionBody body, LedgerSigner signer) =>
        signer.ParticipantId == body.RotateKey.ParticipantId && signer.Key.ToPublicKey().Equals(body.RotateKey.NewPublicKey);

    private static string SigningAs(LedgerSigner signer, TransactionBody body)
    {
        var key = $"{signer.ParticipantId} with {TxArguments.EnumName(TxArguments.EnumDescriptorOf<KeyAlgorithm>(), (int)signer.Key.Algorithm)} key {Convert.ToBase64String(signer.Key.PublicKeyBytes)}";
        return body.KindCase == TransactionBody.KindOneofCase.RotateKey && IsProofOfPossession(body, signer)
            ? key + " (the proof of possession of the new key)"
            : key;
    }

    /// <summary>Asks on the terminal; output that is not the console (a script, a test) is not asked.</summary>
    private static bool Confirmed(TxOutput output)
    {
        if (Console.IsInputRedirected || !ReferenceEquals(output.Out, Console.Out))
        {
            return true;
        }

        output.Out.Write("sign? [y/N] ");
        return Console.ReadLine()?.Trim().ToUpperInvariant() is "Y" or "YES";
    }

    private static TxReport Summary(string status, Envelope envelope, TransactionBody body, FileInfo file, IReadOnlyList<(string Label, string Value)>? fields) =>
        new(status, TxEnvelopeFile.KindName(body.KindCase))
        {
            File = file.FullName,
            ChainId = envelope.ChainId,
            ExpiryHeight = envelope.ExpiryHeight,
            Signatures = envelope.Signatures.Select(s => s.Signer).ToList(),
            MissingSignatures = TxEnvelopeFile.MissingSignatures(envelope, body),
            Fields = fields?.ToDictionary(f => f.Label, f => f.Value, StringComparer.Ordinal),
        };

    private static LedgerSigner LoadSigner(string keyPath, string signerId, List<SigningKey> keys)
    {
        var key = TxArguments.PrivateKey(keyPath, "--key");
        keys.Add(key);
        return TxArguments.Signer(signerId, key, "--as");
    }

    private static LedgerClient NewClient(Uri node, FileInfo? ca)
    {
        var options = NodeConnection.ClientOptions(node, ca);
        options.HeightCacheDuration = TimeSpan.Zero;
        return new LedgerClient(options);
    }

    /// <summary>A builder's message, led by the option that filled the argument it names, without .NET's "(Parameter 'x')".</summary>
    private static string UsageMessage(Exception exception)
    {
        if (exception is not ArgumentException { ParamName: { } parameter } argument)
        {
            return exception.Message;
        }

        var message = argument.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal);
        return TxKinds.OptionOfParameter.TryGetValue(parameter, out var option) ? $"{option}: {message}" : message;
    }

    private static string NodeMessage(Uri? node, Exception exception) => exception switch
    {
        LedgerClientException client => NodeConnection.Explain($"node {node}: {client.StatusCode}: {client.Detail}"),
        _ => exception.Message,
    };

    private static Argument<FileInfo> EnvelopeArgument() => new("FILE") { Description = "an envelope written by `ledger tx KIND … --out FILE` (protobuf JSON)" };

    private static Option<string> KeyOption() => new("--key") { Description = "your private key (PKCS#8 PEM, as `ledger keys new` writes it)", Required = true, HelpName = "FILE" };

    private static Option<string> AsOption() => new("--as") { Description = "your participant id: whose key --key is", Required = true, HelpName = "ID" };

    private static Option<bool> JsonOption() => new("--json") { Description = "print one JSON object for scripts" };

    private static Option<bool> NoWaitOption() => new("--no-wait") { Description = "return once the node admits it, without waiting for the commit" };

    private sealed record Frame(string ChainId, ulong ExpiryHeight, HashAlgorithm Hash);

    /// <summary>The options every KIND command shares.</summary>
    private sealed class CommonOptions
    {
        public Option<Uri> Node { get; } = NodeOption();

        public Option<FileInfo?> Ca { get; } = NodeConnection.CaOption();

        public Option<string> Key { get; } = KeyOption();

        public Option<string> As { get; } = AsOption();

        public Option<string[]> CoSign { get; } = new("--cosign") { HelpName = "ID=KEYFILE", Description = "also sign as ID with KEYFILE (repeatable; when one person holds both keys, e.g. on the devnet)" };

        public Option<FileInfo> Out { get; } = new("--out") { HelpName = "FILE", Description = "write the signed envelope to FILE instead of submitting it, for `ledger tx sign` and `ledger tx submit`" };

        public Option<string> ChainId { get; } = new("--chain-id") { HelpName = "ID", Description = "the chain id to sign for (needed with --out when there is no --node; else checked against the node)" };

        public Option<ulong?> ExpiryHeight { get; } = new("--expiry-height") { HelpName = "H", Description = "the last height at which it may commit (needed with --out when there is no --node)" };

        public Option<ulong?> ExpiresIn { get; } = new("--expires-in") { HelpName = "N", Description = $"with --node: expire this many heights after the head (default {LedgerClientOptions.ExpiryWindowHeightsDefault}; longer for envelopes that travel for co-signing)" };

        public Option<string> HashAlgorithm { get; } = new("--hash-algorithm") { HelpName = "sha256|sm3", Description = "the network hash, for --report and the transaction id when preparing offline" };

        public Option<bool> NoWait { get; } = NoWaitOption();

        public Option<bool> Json { get; } = JsonOption();

        public IEnumerable<Option> All => [Node, Ca, Key, As, CoSign, Out, ChainId, ExpiryHeight, ExpiresIn, HashAlgorithm, NoWait, Json];

        private static Option<Uri> NodeOption()
        {
            var option = StatusCommand.NodeOption();
            option.Required = false;
            option.HelpName = "URL";
            option.Description = "the node's URL, e.g. http://127.0.0.1:7101: submit there (needed unless preparing offline with --out)";
            return option;
        }
    }
}
