using Google.Protobuf;
using Ledger.Core.Calendar;
using Ledger.Core.Cancellation;
using Ledger.Core.Issuance;
using Ledger.Core.Methodologies;
using Ledger.Core.Participants;
using Ledger.Core.Projects;
using Ledger.Core.Protocol;
using Ledger.Core.Scenarios;
using Ledger.Core.State;
using Ledger.Core.Supervision;
using Ledger.Core.Trading;

namespace Ledger.Core.Execution;

/// <summary>
/// The deterministic state machine: an ordered list of envelopes applied to a state gives the
/// changes, a receipt per transaction and the new state root. The node, the mempool's admission
/// check, consensus validation and the auditor's re-execution all call this one implementation.
/// </summary>
public sealed class LedgerStateMachine
{
    private readonly ChainParameters _parameters;
    private readonly EnvelopeVerifier _verifier;
    private readonly TransactionMemo _memo = new();
    private readonly IPreparedTransactions? _prepared;

    /// <param name="prepared">Sign bytes, ids and signature verdicts built already by the caller's own checks (`ledger verify`'s workers), or null.</param>
    public LedgerStateMachine(ChainParameters parameters, ISignatureCache? signatureCache = null, IPreparedTransactions? prepared = null)
        : this(parameters, signatureCache, prepared, cacheParticipants: false)
    {
    }

    /// <param name="cacheParticipants">Parse each signer's record once per stored encoding (<see cref="ParticipantRecordCache"/>): for a machine one thread uses (`ledger verify`'s replay, D54).</param>
    internal LedgerStateMachine(ChainParameters parameters, ISignatureCache? signatureCache, IPreparedTransactions? prepared, bool cacheParticipants)
    {
        _parameters = parameters;
        _verifier = new EnvelopeVerifier(parameters, signatureCache, cacheParticipants ? new ParticipantRecordCache() : null);
        _prepared = prepared;
    }

    public ChainParameters Parameters => _parameters;

    /// <summary>The state that genesis describes, as changes to an empty store, and its root.</summary>
    public BlockExecution ApplyGenesis(Genesis genesis)
    {
        Invariant.Require(genesis.ChainId == _parameters.ChainId, "genesis is for this chain");
        Invariant.Require(Chain.GenesisValidator.Problems(genesis).Count == 0, "genesis was validated before it is applied");
        var overlay = new StateOverlay(new InMemoryState());
        var state = new LedgerState(overlay);
        foreach (var participant in genesis.Participants)
        {
            state.PutParticipant(new ParticipantRecord
            {
                ParticipantId = participant.ParticipantId,
                Name = participant.Name,
                Roles = { participant.Roles.Order() },
                PublicKey = participant.PublicKey,
                Status = ParticipantStatus.Active,
                RegisteredBy = "genesis",
            });
        }

        state.PutValidatorSchedule(Chain.ValidatorSchedules.ForGenesis(genesis));
        return Seal(overlay, StateCommitment.GenesisParent, []);
    }

    public BlockExecution ApplyBlock(IStateView state, BlockContext block, IReadOnlyList<Envelope> envelopes) =>
        ApplyBlock(state, block, envelopes, fieldsChecked: false);

    /// <param name="fieldsChecked">
    /// The caller found no unknown field anywhere in the block (<see cref="Chain.Blocks.Validate(LedgerStateMachine, IStateView, Chain.ChainHead, Block)"/>
    /// does, before it executes), so each envelope's own check of that would find none either and is skipped.
    /// Internal: only a caller that made that check may say so.
    /// </param>
    internal BlockExecution ApplyBlock(IStateView state, BlockContext block, IReadOnlyList<Envelope> envelopes, bool fieldsChecked)
    {
        var session = StartBlock(state, block, fieldsChecked);
        var receipts = envelopes.Select(session.Apply).ToList();
        return session.Seal(receipts);
    }

    /// <summary>
    /// Applies transactions one at a time on top of state, for a proposer that chooses what goes in. The session
    /// remembers the participant records it reads (D55), misses included: state must not change under it while the
    /// session lives (a snapshot, or the head on the one thread that commits).
    /// </summary>
    public BlockSession StartBlock(IStateView state, BlockContext block) => StartBlock(state, block, fieldsChecked: false);

    private BlockSession StartBlock(IStateView state, BlockContext block, bool fieldsChecked)
    {
        var previousRoot = state.Get(StateKeys.StateRoot);
        Invariant.Require(previousRoot is not null, "a block applies on top of genesis");
        // Participant records are read once per block (D55); everything else as before.
        return new BlockSession(this, new StateOverlay(new ParticipantReads(state)), block, previousRoot!, fieldsChecked);
    }

    /// <summary>One block being applied: each committed transaction's changes join the block's; a refused one's are dropped.</summary>
    public sealed class BlockSession
    {
        private readonly LedgerStateMachine _machine;
        private readonly StateOverlay _overlay;
        private readonly BlockContext _block;
        private readonly byte[] _previousRoot;
        private readonly bool _fieldsChecked;

        internal BlockSession(LedgerStateMachine machine, StateOverlay overlay, BlockContext block, byte[] previousRoot, bool fieldsChecked)
        {
            _machine = machine;
            _overlay = overlay;
            _block = block;
            _previousRoot = previousRoot;
            _fieldsChecked = fieldsChecked;
        }

        public Receipt Apply(Envelope envelope)
        {
            var transactionOverlay = new StateOverlay(_overlay);
            var receipt = _machine.Apply(transactionOverlay, _block, envelope, _fieldsChecked);
            if (receipt.Code == RejectionCode.Unspecified)
            {
                _overlay.Changes.Merge(transactionOverlay.Changes);
            }

            return receipt;
        }

        /// <summary>Ends the block: the state root over everything committed, with the receipts the block records.</summary>
        public BlockExecution Seal(IReadOnlyList<Receipt> receipts) => _machine.Seal(_overlay, _previousRoot, receipts);
    }

    /// <summary>
    /// What the envelope's own checks say now (chain, expiry, encoding, signers, signatures, nonce), without
    /// running its handler or changing anything: the admission of a transaction a peer passed on, which that
    /// peer's admission executed in full. Whatever the handler would refuse is left out by the proposer.
    /// </summary>
    public Receipt CheckEnvelope(IStateView state, BlockContext block, Envelope envelope)
    {
        var transactionId = SignBytes.TransactionId(_parameters.Hash, envelope);
        var verified = _verifier.Verify(new LedgerState(new StateOverlay(state)), block, envelope, transactionId);
        return ToReceipt(transactionId, verified.Outcome);
    }

    /// <summary>What applying envelope now would say, without changing anything: the mempool's admission check.</summary>
    public Receipt Check(IStateView state, BlockContext block, Envelope envelope) =>
        Apply(new StateOverlay(state), block, envelope);

    private Receipt Apply(StateOverlay overlay, BlockContext block, Envelope envelope, bool fieldsChecked = false)
    {
        // The sign bytes are built once: they give the id and are what the signatures cover.
        PreparedTransaction? prepared = null;
        byte[] signBytes, transactionId;
        if (_prepared is not null && _prepared.TryGet(envelope, out prepared))
        {
            (signBytes, transactionId) = (prepared.SignBytes, prepared.TransactionId);
        }
        else
        {
            signBytes = SignBytes.For(envelope);
            transactionId = _parameters.Hash.Hash(signBytes);
        }

        var state = new LedgerState(overlay);
        var verified = _verifier.Verify(state, block, envelope, signBytes, transactionId, fieldsChecked, prepared);
        if (!verified.Outcome.IsCommitted)
        {
            return ToReceipt(transactionId, verified.Outcome);
        }

        var context = new TransactionContext
        {
            State = state,
            Block = block,
            Hash = _parameters.Hash,
            Rules = _parameters.Rules,
            TransactionId = transactionId,
            Signer = verified.Signer!,
            CoSigners = verified.CoSigners,
            Memo = _memo,
        };
        var outcome = Dispatch(context, verified.Body!);
        if (outcome.IsCommitted)
        {
            // §5 rule 6: the nonce is spent only by a committed transaction; a refused one changes nothing.
            state.PutNonceUse(envelope.Signer, envelope.Nonce, new NonceUse { TransactionId = ByteString.CopyFrom(transactionId), Height = block.Height });
        }

        return ToReceipt(transactionId, outcome);
    }

    private static Outcome Dispatch(TransactionContext ctx, TransactionBody body) => body.KindCase switch
    {
        TransactionBody.KindOneofCase.RegisterParticipant => ParticipantsHandler.Register(ctx, body.RegisterParticipant),
        TransactionBody.KindOneofCase.UpdateParticipant => ParticipantsHandler.Update(ctx, body.UpdateParticipant),
        TransactionBody.KindOneofCase.RotateKey => ParticipantsHandler.RotateKey(ctx, body.RotateKey),
        TransactionBody.KindOneofCase.FileMethodology => MethodologiesHandler.File(ctx, body.FileMethodology),
        TransactionBody.KindOneofCase.ApplyProject => ProjectsHandler.Apply(ctx, body.ApplyProject),
        TransactionBody.KindOneofCase.ApproveProject => ProjectsHandler.Approve(ctx, body.ApproveProject),
        TransactionBody.KindOneofCase.RejectProject => ProjectsHandler.Reject(ctx, body.RejectProject),
        TransactionBody.KindOneofCase.IssueProjectReductions => IssuanceHandler.IssueProject(ctx, body.IssueProjectReductions),
        TransactionBody.KindOneofCase.Transfer => TradingHandler.Transfer(ctx, body.Transfer),
        TransactionBody.KindOneofCase.RequestCancellation => CancellationHandler.Request(ctx, body.RequestCancellation),
        TransactionBody.KindOneofCase.ApproveCancellation => CancellationHandler.Approve(ctx, body.ApproveCancellation),
        TransactionBody.KindOneofCase.DeclineCancellation => CancellationHandler.Decline(ctx, body.DeclineCancellation),
        TransactionBody.KindOneofCase.ChangeValidators => Validators.ValidatorsHandler.Change(ctx, body.ChangeValidators),
        TransactionBody.KindOneofCase.ApplyScenario => ProjectsHandler.ApplyScenario(ctx, body.ApplyScenario),
        TransactionBody.KindOneofCase.SubmitReview => ReviewHandler.SubmitReview(ctx, body.SubmitReview),
        TransactionBody.KindOneofCase.StartPublicNotice => ReviewHandler.StartPublicNotice(ctx, body.StartPublicNotice),
        TransactionBody.KindOneofCase.FileObjection => ReviewHandler.FileObjection(ctx, body.FileObjection),
        TransactionBody.KindOneofCase.AnswerObjection => ReviewHandler.AnswerObjection(ctx, body.AnswerObjection),
        TransactionBody.KindOneofCase.RecordEvaluation => SupervisionHandler.RecordEvaluation(ctx, body.RecordEvaluation),
        TransactionBody.KindOneofCase.RecordRectification => SupervisionHandler.RecordRectification(ctx, body.RecordRectification),
        TransactionBody.KindOneofCase.Suspend => SupervisionHandler.Suspend(ctx, body.Suspend),
        TransactionBody.KindOneofCase.Reinstate => SupervisionHandler.Reinstate(ctx, body.Reinstate),
        TransactionBody.KindOneofCase.SetCalendar => CalendarHandler.Set(ctx, body.SetCalendar),
        TransactionBody.KindOneofCase.AddExclusion => ExclusionsHandler.Add(ctx, body.AddExclusion),
        TransactionBody.KindOneofCase.DeclareExternalRegistration => ExclusionsHandler.Declare(ctx, body.DeclareExternalRegistration),
        TransactionBody.KindOneofCase.WithdrawMethodology => MethodologiesHandler.Withdraw(ctx, body.WithdrawMethodology),
        TransactionBody.KindOneofCase.GrantMethodologyException => MethodologiesHandler.GrantException(ctx, body.GrantMethodologyException),
        TransactionBody.KindOneofCase.CorrectReductions => Corrections.CorrectionsHandler.Correct(ctx, body.CorrectReductions),
        TransactionBody.KindOneofCase.MakeGoodShortfall => Corrections.CorrectionsHandler.MakeGood(ctx, body.MakeGoodShortfall),
        TransactionBody.KindOneofCase.OpenAuction => AuctionHandler.Open(ctx, body.OpenAuction),
        TransactionBody.KindOneofCase.PlaceBid => AuctionHandler.Bid(ctx, body.PlaceBid),
        TransactionBody.KindOneofCase.SettleAuction => AuctionHandler.Settle(ctx, body.SettleAuction),
        TransactionBody.KindOneofCase.CancelAuction => AuctionHandler.Cancel(ctx, body.CancelAuction),
        TransactionBody.KindOneofCase.PublishMallOffer => Mall.MallHandler.Publish(ctx, body.PublishMallOffer),
        TransactionBody.KindOneofCase.UpdateMallOffer => Mall.MallHandler.Update(ctx, body.UpdateMallOffer),
        TransactionBody.KindOneofCase.WithdrawMallOffer => Mall.MallHandler.Withdraw(ctx, body.WithdrawMallOffer),
        TransactionBody.KindOneofCase.Redeem => Mall.MallHandler.Redeem(ctx, body.Redeem),
        TransactionBody.KindOneofCase.SubmitBehaviourBatch => BehaviourHandler.Submit(ctx, body.SubmitBehaviourBatch),
        TransactionBody.KindOneofCase.IssueScenarioBatch => ScenarioIssuanceHandler.Issue(ctx, body.IssueScenarioBatch),
        TransactionBody.KindOneofCase.WithdrawCustody => CustodyHandler.Withdraw(ctx, body.WithdrawCustody),
        _ => Outcome.Reject(RejectionCode.Malformed, "the body names no known transaction kind"),
    };

    private BlockExecution Seal(StateOverlay overlay, byte[] previousRoot, IReadOnlyList<Receipt> receipts)
    {
        var root = StateCommitment.Next(_parameters.Hash, previousRoot, overlay.Changes);
        overlay.Put(StateKeys.StateRoot, root);
        return new BlockExecution(overlay.Changes, receipts, root);
    }

    private static Receipt ToReceipt(byte[] transactionId, Outcome outcome) => new()
    {
        TransactionId = ByteString.CopyFrom(transactionId),
        Code = outcome.Code,
        Message = outcome.Message,
        Attributes = { outcome.Attributes },
    };
}
