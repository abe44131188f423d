using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Chain;

/// <summary>Checks a genesis document before anything is built on it; each problem is named.</summary>
public static class GenesisValidator
{
    public static IReadOnlyList<string> Problems(Genesis genesis)
    {
        var problems = new List<string>();
        if (!Limits.IsValidId(genesis.ChainId, Limits.ChainIdLengthMax))
        {
            problems.Add("chain_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }

        if (genesis.HashAlgorithm is not (HashAlgorithm.Sha256 or HashAlgorithm.Sm3))
        {
            problems.Add("hash_algorithm must be SHA256 or SM3");
        }

        if (genesis.GenesisTimeMs < 0)
        {
            // Block times only grow from here, and the rules count China Standard Time days from them.
            problems.Add("genesis_time_ms must not be before 1970");
        }

        foreach (var participant in genesis.Participants)
        {
            problems.AddRange(ParticipantProblems(participant));
        }

        var duplicate = genesis.Participants.GroupBy(p => p.ParticipantId).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            problems.Add($"participant {duplicate.Key} appears twice");
        }

        if (!genesis.Participants.Any(p => p.Roles.Contains(Role.Bureau)))
        {
            problems.Add("genesis must name at least one BUREAU participant");
        }

        problems.AddRange(ValidatorProblems(genesis.Validators));
        problems.AddRange(Execution.LedgerRules.From(genesis.Rules).Problems());
        return problems;
    }

    private static IEnumerable<string> ValidatorProblems(IReadOnlyCollection<Validator> validators)
    {
        if (validators.Count is 0 or > ValidatorSet.ValidatorsMax)
        {
            yield return $"genesis must name 1-{ValidatorSet.ValidatorsMax} validators";
        }

        foreach (var validator in validators)
        {
            if (!Limits.IsValidId(validator.ValidatorId))
            {
                yield return $"validator id '{validator.ValidatorId}' must be 1-64 characters of A-Z a-z 0-9 . _ : -";
            }

            if (validator.Power is 0 or > ValidatorSet.TotalPowerMax)
            {
                yield return $"validator {validator.ValidatorId} must have a power between 1 and 2^60";
            }

            var key = validator.PublicKey;
            if (key is null || SignatureSuites.Find(key.Algorithm) is not { } suite || !suite.IsValidPublicKey(key.Key.Span))
            {
                yield return $"validator {validator.ValidatorId} has no valid public key";
            }
        }

        if (validators.GroupBy(v => v.ValidatorId).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            yield return $"validator {duplicate.Key} appears twice";
        }

        // Saturating sum: a hostile genesis must get a named problem, not an overflow.
        if (validators.Aggregate(0UL, (sum, v) => Math.Min(sum + Math.Min(v.Power, ValidatorSet.TotalPowerMax), ValidatorSet.TotalPowerMax + 1)) > ValidatorSet.TotalPowerMax)
        {
            yield return "the validators' total power must be at most 2^60";
        }
    }

    private static IEnumerable<string> ParticipantProblems(GenesisParticipant participant)
    {
        var id = participant.ParticipantId;
        if (!Limits.IsValidId(id))
        {
            yield return $"participant id '{id}' must be 1-64 characters of A-Z a-z 0-9 . _ : -";
        }

        if (!Limits.IsValidText(participant.Name, Limits.NameLengthMax, required: true))
        {
            yield return $"participant {id} needs a name of 1-{Limits.NameLengthMax} characters without control characters";
        }

        if (participant.Roles.Count is 0 or > Limits.RolesPerParticipantMax || !participant.Roles.All(Participants.Roles.IsKnown) || participant.Roles.Distinct().Count() != participant.Roles.Count)
        {
            yield return $"participant {id} must have distinct known roles";
        }

        var key = participant.PublicKey;
        if (key is null || SignatureSuites.Find(key.Algorithm) is not { } suite || !suite.IsValidPublicKey(key.Key.Span))
        {
            yield return $"participant {id} has no valid public key";
        }
    }
}
