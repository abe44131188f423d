using System.Globalization;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Cancellation;

/// <summary>
/// Builds and checks cancellation certificates (DESIGN §6, §23; docs/DECISIONS.md D18). A valid
/// certificate proves that the request and the approval are in blocks made final by the genesis
/// validators and that both took effect; signer authorization is proven by those validators having
/// executed the transactions, since the signers' keys are not in the certificate.
/// </summary>
public static class CancellationCertificates
{
    /// <summary>A committed block as a node serves it: the block, its receipts, the certificate that made it final, the validators in force.</summary>
    public sealed record CommittedBlock(Block Block, IReadOnlyList<Receipt> Receipts, CommitCertificate Certificate, IEnumerable<Validator> Validators);

    /// <summary>The certificate of an approved cancellation from the blocks holding its request and its approval.</summary>
    public static CancellationCertificate Build(
        HashAlgorithm algorithm, CancellationRecord record, CommittedBlock requestBlock, int requestIndex, CommittedBlock approvalBlock, int approvalIndex)
    {
        Invariant.Require(record.Status == CancellationStatus.Approved, "only an approved cancellation has a certificate");
        var hash = NetworkHashes.For(algorithm);
        return new CancellationCertificate
        {
            ChainId = requestBlock.Block.Header.ChainId,
            Request = Include(hash, requestBlock, requestIndex),
            Approval = Include(hash, approvalBlock, approvalIndex),
            CertificateId = record.CancellationId,
            BatchId = record.BatchId,
            SerialRange = record.SerialRange,
            AmountGrams = record.AmountGrams,
            Holder = record.Holder,
            Beneficiary = record.Beneficiary,
            Purpose = record.Purpose,
            UsingEntity = record.UsingEntity,
            CustodyUserId = record.CustodyUserId,
            ConsentRef = record.ConsentRef,
            ApprovedBy = record.DecidedBy,
            RequestedHeight = record.RequestedHeight,
            ApprovedHeight = record.DecidedHeight,
        };
    }

    /// <summary>Everything wrong with certificate under genesis; empty when it is valid.</summary>
    public static IReadOnlyList<string> Verify(Genesis genesis, CancellationCertificate certificate)
    {
        var hash = NetworkHashes.For(genesis.HashAlgorithm);
        var problems = new List<string>();
        if (certificate.ChainId != genesis.ChainId)
        {
            problems.Add($"chain id: the certificate names {certificate.ChainId}, the genesis {genesis.ChainId}");
        }

        if (certificate.Request is null || certificate.Approval is null)
        {
            problems.Add("the certificate lacks the request or the approval transaction");
            return problems;
        }

        problems.AddRange(VerifyIncluded(genesis, hash, "request", certificate.Request));
        problems.AddRange(VerifyIncluded(genesis, hash, "approval", certificate.Approval));
        problems.AddRange(VerifySummary(hash, certificate));
        return problems;
    }

    /// <summary>"&lt;batch&gt;:&lt;first&gt;-&lt;last&gt;" split into its grams, or null when it has another form.</summary>
    public static (ulong First, ulong Last)? ParseSerialRange(string serialRange, string batchId)
    {
        var prefix = batchId + ":";
        if (!serialRange.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = serialRange[prefix.Length..].Split('-');
        return parts.Length == 2
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && first <= last
            ? (first, last)
            : null;
    }

    private static IncludedTransaction Include(INetworkHash hash, CommittedBlock committed, int index)
    {
        var envelopes = committed.Block.Transactions.Select(e => e.ToByteArray()).ToList();
        var receipts = committed.Receipts.Select(BlockHashing.CanonicalReceipt).ToList();
        var included = new IncludedTransaction
        {
            // Copies: a certificate is altered and shown on its own, never through the block it came from.
            Envelope = committed.Block.Transactions[index].Clone(),
            Header = committed.Block.Header.Clone(),
            Index = (uint)index,
            TransactionCount = (uint)envelopes.Count,
            Commit = committed.Certificate.Clone(),
            Validators = { new ValidatorSet(committed.Validators).Validators.Select(v => v.Clone()) },
            Receipt = committed.Receipts[index].Clone(),
        };
        included.MerklePath.AddRange(MerkleTree.Path(hash, envelopes, index).Select(ByteString.CopyFrom));
        included.ReceiptPath.AddRange(MerkleTree.Path(hash, receipts, index).Select(ByteString.CopyFrom));
        return included;
    }

    /// <summary>Inclusion, effect and finality of one transaction, each problem prefixed with which one.</summary>
    private static IEnumerable<string> VerifyIncluded(Genesis genesis, INetworkHash hash, string name, IncludedTransaction included)
    {
        var problems = new List<string>();
        if (included.Envelope is null || included.Header is null || included.Receipt is null)
        {
            return [$"{name}: the envelope, header or receipt is missing"];
        }

        var header = included.Header;
        if (header.ChainId != genesis.ChainId || included.Envelope.ChainId != genesis.ChainId)
        {
            problems.Add($"{name}: chain id of the header or envelope is not {genesis.ChainId}");
        }

        problems.AddRange(VerifyMerkle(hash, name, included));
        problems.AddRange(VerifyReceipt(hash, name, included));
        problems.AddRange(VerifyFinality(genesis, hash, name, included));
        return problems;
    }

    private static IEnumerable<string> VerifyMerkle(INetworkHash hash, string name, IncludedTransaction included)
    {
        var root = MerkleTree.RootFromPath(hash, included.Envelope.ToByteArray(), (int)included.Index, (int)included.TransactionCount, Paths(included.MerklePath));
        if (root is null || !included.Header.TransactionsRoot.Span.SequenceEqual(root))
        {
            yield return $"{name}: Merkle path mismatch: the envelope does not lead to the header's transactions root";
        }
    }

    /// <summary>A committed receipt without a rejection code: a transaction in a block may still have been refused.</summary>
    private static IEnumerable<string> VerifyReceipt(INetworkHash hash, string name, IncludedTransaction included)
    {
        var receipt = included.Receipt;
        var root = MerkleTree.RootFromPath(hash, BlockHashing.CanonicalReceipt(receipt), (int)included.Index, (int)included.TransactionCount, Paths(included.ReceiptPath));
        if (root is null || !included.Header.ReceiptsRoot.Span.SequenceEqual(root))
        {
            yield return $"{name}: receipt path mismatch: the receipt does not lead to the header's receipts root";
        }

        if (!receipt.TransactionId.Span.SequenceEqual(SignBytes.TransactionId(hash, included.Envelope)))
        {
            yield return $"{name}: the receipt is for another transaction";
        }

        if (receipt.Code != RejectionCode.Unspecified)
        {
            yield return $"{name}: the transaction was refused: {receipt.Code} {receipt.Message}";
        }
    }

    /// <summary>
    /// The block is final under the validators in force; offline, only the genesis set can be trusted
    /// (D18): a later set is known only from the chain, which `ledger verify` checks.
    /// </summary>
    private static IEnumerable<string> VerifyFinality(Genesis genesis, INetworkHash hash, string name, IncludedTransaction included)
    {
        if (!IsWellFormed(included.Validators))
        {
            yield return $"{name}: validator set malformed: empty, without power, too large or with a repeated id";
            yield break;
        }

        var validators = new ValidatorSet(included.Validators);
        var setHash = validators.Hash(hash);
        if (!included.Header.ValidatorSetHash.Span.SequenceEqual(setHash))
        {
            yield return $"{name}: validator set hash mismatch: the included validators are not the header's";
        }

        if (!setHash.AsSpan().SequenceEqual(new ValidatorSet(genesis.Validators).Hash(hash)))
        {
            yield return $"{name}: validator set differs from the genesis validators: a validator change since genesis can only be checked on the chain (`ledger verify`)";
        }

        var headerHash = HeaderHashOrNull(hash, included.Header);
        if (headerHash is null)
        {
            yield return $"{name}: header malformed: its hashes are not {BlockHashing.HashBytes} bytes";
            yield break;
        }

        if (CommitCertificates.Problem(included.Commit, genesis.ChainId, included.Header.Height, headerHash, validators) is { } problem)
        {
            yield return $"{name}: commit certificate: {problem}";
        }
    }

    /// <summary>What ValidatorSet requires, checked first so that a forged set is a problem, not an exception.</summary>
    private static bool IsWellFormed(IReadOnlyCollection<Validator> validators)
    {
        var total = validators.Aggregate(UInt128.Zero, (sum, v) => sum + v.Power);
        return validators.Count is > 0 and <= ValidatorSet.ValidatorsMax
            && validators.All(v => v.PublicKey is not null)
            && validators.Select(v => v.ValidatorId).Distinct(StringComparer.Ordinal).Count() == validators.Count
            && total > 0 && total <= ValidatorSet.TotalPowerMax;
    }

    private static IEnumerable<string> VerifySummary(INetworkHash hash, CancellationCertificate certificate)
    {
        if (certificate.Request.Envelope is null || certificate.Approval.Envelope is null || certificate.Request.Header is null || certificate.Approval.Header is null || certificate.Approval.Receipt is null)
        {
            return [];
        }

        var requestBody = ParseBody(certificate.Request.Envelope);
        var approvalBody = ParseBody(certificate.Approval.Envelope);
        if (requestBody?.KindCase != TransactionBody.KindOneofCase.RequestCancellation || approvalBody?.KindCase != TransactionBody.KindOneofCase.ApproveCancellation)
        {
            return ["transaction kinds: the request is not a RequestCancellation or the approval not an ApproveCancellation"];
        }

        var requestId = Convert.ToHexStringLower(SignBytes.TransactionId(hash, certificate.Request.Envelope));
        var request = requestBody.RequestCancellation;
        var approve = approvalBody.ApproveCancellation;
        var checks = new (bool Holds, string Problem)[]
        {
            (approve.CancellationId == requestId, "approval: it approves another cancellation than the included request"),
            (certificate.CertificateId == requestId, "certificate id: it is not the request's transaction id"),
            (certificate.BatchId == request.BatchId, "batch id: it differs from the request's"),
            (certificate.AmountGrams == request.AmountGrams, "grams: they differ from the request's"),
            (certificate.Beneficiary == request.Beneficiary, "beneficiary: it differs from the request's"),
            (certificate.Purpose == request.Purpose, "purpose: it differs from the request's"),
            (certificate.Holder == certificate.Request.Envelope.Signer, "holder: it is not the request's signer"),
            (certificate.UsingEntity == CancellationHandler.UsingEntity(request, certificate.Request.Envelope.Signer), "using entity: it differs from the request's"),
            (Convert.ToHexStringLower(certificate.CustodyUserId.Span) == request.CustodyUserId && certificate.ConsentRef == request.ConsentRef, "custody user or consent: it differs from the request's"),
            (certificate.ApprovedBy == certificate.Approval.Envelope.Signer, "approved by: it is not the approval's signer"),
            (certificate.RequestedHeight == certificate.Request.Header.Height, "requested height: it is not the request's block"),
            (certificate.ApprovedHeight == certificate.Approval.Header.Height, "approved height: it is not the approval's block"),
            (Attribute(certificate.Approval.Receipt, "serial_range") == certificate.SerialRange, "serial range: it differs from the approval's receipt"),
            (SerialRangeFits(certificate), "serial range: not \"<batch>:<first>-<last>\" over the batch with last - first + 1 = grams"),
        };
        return checks.Where(c => !c.Holds).Select(c => c.Problem);
    }

    private static bool SerialRangeFits(CancellationCertificate certificate) =>
        certificate.AmountGrams > 0 && ParseSerialRange(certificate.SerialRange, certificate.BatchId) is { } range && range.Last - range.First == certificate.AmountGrams - 1;

    /// <summary>Null when the signed body bytes are not a TransactionBody: an altered envelope, not a crash.</summary>
    private static TransactionBody? ParseBody(Envelope envelope)
    {
        try
        {
            return TransactionBody.Parser.ParseFrom(envelope.Body);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static string? Attribute(Receipt receipt, string key) => receipt.Attributes.FirstOrDefault(a => a.Key == key)?.Value;

    private static List<byte[]> Paths(IEnumerable<ByteString> path) => path.Select(p => p.ToByteArray()).ToList();

    private static byte[]? HeaderHashOrNull(INetworkHash hash, BlockHeader header) =>
        new[] { header.PreviousHeaderHash, header.TransactionsRoot, header.ReceiptsRoot, header.StateRoot, header.ValidatorSetHash }.All(h => h.Length == BlockHashing.HashBytes)
            ? BlockHashing.HeaderHash(hash, header)
            : null;
}
