using Grpc.Core;
using Ledger.Node.Chain;

namespace Ledger.Node.Peers;

/// <summary>
/// Who is calling the peer service (D28): the validator named by the caller's client certificate,
/// which must chain to the network CA and name a current validator. Anything else is refused with
/// a gRPC status and one warning per distinct reason. In development plaintext nobody is checked.
/// </summary>
public sealed class PeerAuthenticator(PeerTransport transport, NodeChain chain, ILogger<PeerAuthenticator> logger)
{
    /// <summary>Distinct refusal reasons remembered to log each once; forgotten when this many pile up.</summary>
    public const int LoggedReasonsMax = 1_000;

    private readonly HashSet<string> _logged = [];

    /// <summary>The calling validator's id; null in development plaintext (no identity to check).</summary>
    /// <exception cref="RpcException">Unauthenticated or PermissionDenied, with the reason.</exception>
    public string? Authenticate(ServerCallContext context)
    {
        if (!transport.Secure)
        {
            return null;
        }

        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            throw Refuse(context, StatusCode.Unauthenticated, "no client certificate: the peer service is for the network's validators");
        }

        if (transport.ChainProblem(certificate, PeerTransport.ClientAuthentication) is { } problem)
        {
            throw Refuse(context, StatusCode.Unauthenticated, $"client certificate {Shorten(certificate.Subject)}: {problem}");
        }

        var validatorId = PeerTransport.ValidatorIdOf(certificate);
        if (!chain.CurrentValidators.Validators.Any(v => v.ValidatorId == validatorId))
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"client certificate names '{Shorten(validatorId)}', which is not a current validator");
        }

        return validatorId;
    }

    /// <summary>A consensus message must come from the validator its link authenticated as.</summary>
    public void CheckSender(ServerCallContext context, string? authenticated, string from)
    {
        if (authenticated is not null && authenticated != from)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"validator '{authenticated}' sent a message from '{Shorten(from)}'");
        }
    }

    /// <summary>Names a caller chose go into logs and the de-duplicated reasons only this long.</summary>
    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private RpcException Refuse(ServerCallContext context, StatusCode code, string reason)
    {
        bool first;
        lock (_logged)
        {
            if (_logged.Count >= LoggedReasonsMax)
            {
                _logged.Clear();
            }

            first = _logged.Add(reason);
        }

        if (first)
        {
            logger.LogWarning("Refused a peer call {Method} from {Remote}: {Reason}", context.Method, context.Peer, reason);
        }

        return new RpcException(new Status(code, "peer refused: " + reason));
    }
}
