using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Testing;

/// <summary>Transaction bodies with sensible defaults, so a test names only what it is about.</summary>
public static class Bodies
{
    public static TransactionBody Register(string participantId, SigningKey key, params Role[] roles) => new()
    {
        RegisterParticipant = new RegisterParticipant { ParticipantId = participantId, Name = participantId + " Co.", Roles = { roles }, PublicKey = key.ToPublicKey() },
    };

    public static TransactionBody Update(string participantId, ParticipantStatus status, params Role[] roles) => new()
    {
        UpdateParticipant = new UpdateParticipant { ParticipantId = participantId, Name = participantId + " Co.", Roles = { roles }, Status = status },
    };

    public static TransactionBody FileMethodology(string methodologyId) => new()
    {
        FileMethodology = new FileMethodology { MethodologyId = methodologyId, Title = "Distributed photovoltaics", Level = MethodologyLevel.Local, Version = "1.0", ActivityTypes = { "pv" } },
    };

    public static TransactionBody ApplyProject(string projectId, string methodologyId, params string[] externalIds) => new()
    {
        ApplyProject = new ApplyProject { ProjectId = projectId, Title = "Rooftop PV " + projectId, MethodologyId = methodologyId, ExternalRegistryIds = { externalIds } },
    };

    public static TransactionBody Issue(string projectId, uint firstDay, uint lastDay, ulong grams, byte[] reportHash, string verifier = TestLedger.Verifier) => new()
    {
        IssueProjectReductions = new IssueProjectReductions
        {
            ProjectId = projectId,
            MonitoringPeriod = new DayRange { FirstDay = firstDay, LastDay = lastDay },
            AmountGrams = grams,
            ReportHash = ByteString.CopyFrom(reportHash),
            VerifierId = verifier,
        },
    };

    public static byte[] ReportHash(byte seed, uint day, string projectId) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"report {seed} {day} {projectId}"));

    public static TransactionBody Transfer(string to, string batchId, ulong grams) => new()
    {
        Transfer = new Transfer { To = to, BatchId = batchId, AmountGrams = grams },
    };

    public static TransactionBody RequestCancellation(string batchId, ulong grams) => new()
    {
        RequestCancellation = new RequestCancellation { BatchId = batchId, AmountGrams = grams, Beneficiary = "Ordos No. 1 Middle School", Purpose = "2025 campus carbon neutrality" },
    };

    public static TransactionBody ApproveCancellation(string cancellationId) => new()
    {
        ApproveCancellation = new ApproveCancellation { CancellationId = cancellationId },
    };

    public static TransactionBody DeclineCancellation(string cancellationId) => new()
    {
        DeclineCancellation = new DeclineCancellation { CancellationId = cancellationId, Reason = "the beneficiary could not be confirmed" },
    };
}
