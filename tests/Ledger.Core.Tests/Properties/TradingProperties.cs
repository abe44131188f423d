using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// Trading (§18–§25) under random interleavings of negotiated transfers, auctions (open, bid, settle,
/// cancel), cancellations (requested, approved, declined), mall offers (published, withdrawn) and
/// redemptions by many participants, valid and invalid alike, with time passing between them. A small
/// reference model predicts every outcome; after every step the ledger must agree with it: every
/// balance, supply identity per batch, each account's escrow exactly its open auction lots plus its
/// pending cancellations, every auction's status and best bid, every offer's stock (never below zero,
/// stock + redeemed = what was published) — and a refused step changes nothing.
/// </summary>
public sealed class TradingProperties
{
    private const uint Jan1 = 20089;
    private const string Owner = "owner-1";
    private const string Provider = "mall-1";

    /// <summary>Three trading parties and a rights provider (who may only hold what it redeemed, and cancel it).</summary>
    private static readonly string[] Accounts = [Owner, "trader-1", "trader-2", Provider];

    public enum Kind
    {
        Transfer,
        Open,
        Bid,
        Settle,
        CancelAuction,
        Cancel,
        Decide,
        Publish,
        Withdraw,
        Redeem,
        Wait,
    }

    public sealed record Op(Kind Kind, int A, int B, int C, int D)
    {
        public override string ToString() => $"{Kind}({A},{B},{C},{D})";
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(Ops)])]
    public Property Trading_keeps_supply_escrow_auctions_and_stock_exact(Op[] ops)
    {
        var run = new Run();
        foreach (var op in ops)
        {
            if (run.Step(op) is { } problem)
            {
                return false.Label($"{op}: {problem}");
            }
        }

        return true.Label("every step as the model predicted")
            .Classify(run.Settled > 0, "an auction settled")
            .Classify(run.Redeemed > 0, "a redemption")
            .Classify(run.Raises.TooLow > 0, "a raise under the increment");
    }

    [Fact]
    public void Generators_reach_every_trading_outcome()
    {
        var codes = new HashSet<RejectionCode>();
        var (raisesAccepted, raisesTooLow, settled, redeemed) = (0, 0, 0, 0);
        foreach (var ops in Ops.Sequences().Sample(40, new Rnd(20261124UL, 7UL), 60))
        {
            var run = new Run();
            foreach (var op in ops)
            {
                Assert.Null(run.Step(op));
            }

            codes.UnionWith(run.Codes);
            (raisesAccepted, raisesTooLow, settled, redeemed) = (raisesAccepted + run.Raises.Accepted, raisesTooLow + run.Raises.TooLow, settled + run.Settled, redeemed + run.Redeemed);
        }

        Assert.True(raisesAccepted >= 10 && raisesTooLow >= 3 && settled >= 8 && redeemed >= 8, $"raises {raisesAccepted} accepted, {raisesTooLow} too low; {settled} settled; {redeemed} redeemed");
        Assert.Superset(
            new HashSet<RejectionCode>
            {
                RejectionCode.Unspecified, RejectionCode.InsufficientBalance, RejectionCode.SelfTransfer, RejectionCode.UnauthorizedRole,
                RejectionCode.ClosingTimePassed, RejectionCode.AuctionClosed, RejectionCode.AuctionNotClosed, RejectionCode.AuctionSettled,
                RejectionCode.BidTooLow, RejectionCode.BidOnOwnLot, RejectionCode.OutOfStock, RejectionCode.MallOfferExpired,
                RejectionCode.MallOfferWithdrawn, RejectionCode.MallOfferExists,
            },
            codes);
    }

    public static class Ops
    {
        public static Gen<Op[]> Sequences() =>
            Gen.Choose(5, 60).SelectMany(length => OneOp().ArrayOf(length));

        /// <summary>Shrinks by dropping one step at a time.</summary>
        public static Arbitrary<Op[]> Arbitrary() =>
            Arb.From(Sequences(), ops => Enumerable.Range(0, ops.Length).Select(i => ops.Where((_, j) => j != i).ToArray()));

        private static Gen<Op> OneOp() =>
            Gen.Frequency(
                (3, Gen.Constant(Kind.Transfer)), (3, Gen.Constant(Kind.Open)), (8, Gen.Constant(Kind.Bid)), (2, Gen.Constant(Kind.Settle)),
                (1, Gen.Constant(Kind.CancelAuction)), (2, Gen.Constant(Kind.Cancel)), (1, Gen.Constant(Kind.Decide)), (2, Gen.Constant(Kind.Publish)),
                (1, Gen.Constant(Kind.Withdraw)), (3, Gen.Constant(Kind.Redeem)), (2, Gen.Constant(Kind.Wait)))
            .SelectMany(kind => Gen.Choose(0, 1_000).Four().Select(t => new Op(kind, t.Item1, t.Item2, t.Item3, t.Item4)));
    }

    private sealed record Auction(string Id, string Seller, string Batch, ulong Grams, long ClosesAtMs, ulong Reserve, ulong Increment)
    {
        public AuctionStatus Status { get; set; } = AuctionStatus.Open;

        public string BestBidder { get; set; } = "";

        public ulong BestPrice { get; set; }

        public uint Bids { get; set; }

        public ulong Minimum => Bids == 0 ? Math.Max(Reserve, 1) : BestPrice + Increment;
    }

    private sealed record Offer(string Id, ulong PriceGrams, ulong Published, long ValidUntilMs)
    {
        public ulong Stock { get; set; } = Published;

        public ulong Redeemed { get; set; }

        public bool Withdrawn { get; set; }
    }

    /// <summary>The ledger and the model side by side.</summary>
    private sealed class Run
    {
        private readonly TestLedger _ledger = new();
        private readonly string[] _batches;
        private readonly Dictionary<(string Account, string Batch), (ulong Tradable, ulong Escrowed, ulong Retired)> _balances = [];
        private readonly List<Auction> _auctions = [];
        private readonly List<(string Id, string Holder, string Batch, ulong Grams)> _pending = [];
        private readonly List<Offer> _offers = [];

        public Run()
        {
            _ledger.ApprovedProject("P-1", Owner);
            _ledger.Register("trader-1", Role.Trader);
            _ledger.Register("trader-2", Role.Trader);
            _ledger.Register(Provider, Role.RightsProvider);
            _batches = [_ledger.Issue("P-1", Jan1, Jan1, 20_000), _ledger.Issue("P-1", Jan1 + 1, Jan1 + 1, 20_000)];
            foreach (var batch in _batches)
            {
                _balances[(Owner, batch)] = (10_000, 0, 0);
                _balances[("trader-1", batch)] = (6_000, 0, 0);
                _balances[("trader-2", batch)] = (4_000, 0, 0);
                TestLedger.Committed(_ledger.Submit(Owner, Bodies.Transfer("trader-1", batch, 6_000), TestLedger.Operator, "trader-1"));
                TestLedger.Committed(_ledger.Submit(Owner, Bodies.Transfer("trader-2", batch, 4_000), TestLedger.Operator, "trader-2"));
            }
        }

        public HashSet<RejectionCode> Codes { get; } = [];

        public int Settled { get; private set; }

        public int Redeemed { get; private set; }

        /// <summary>Bids that had to beat an earlier bid by the increment: accepted, and refused as too low.</summary>
        public (int Accepted, int TooLow) Raises { get; private set; }

        /// <summary>The time of the block the next step goes into (one block per step, a second apart).</summary>
        private long Now => _ledger.TimeMs + 1_000;

        public string? Step(Op op)
        {
            var batch = _batches[op.D % 2];
            return op.Kind switch
            {
                Kind.Transfer => Transfer(Accounts[op.A % 4], Accounts[op.B % 4], batch, Amount(op.C)),
                Kind.Open => Open(Party(op.A), batch, Amount(op.C), closesInBlocks: op.B % 10 == 0 ? 1 : 4 + (op.B % 20), reserve: (ulong)(op.B % 3) * 100),
                Kind.Bid when _auctions.Count > 0 => Bid(PickAuction(op.A), Party(op.B), op.C),
                Kind.Settle when _auctions.Count > 0 => Decide(_auctions[op.A % _auctions.Count], settle: true),
                Kind.CancelAuction when _auctions.Count > 0 => Decide(_auctions[op.A % _auctions.Count], settle: false),
                Kind.Cancel => RequestCancellation(Accounts[op.A % 4], batch, Amount(op.C)),
                Kind.Decide when _pending.Count > 0 => DecideCancellation(_pending[op.A % _pending.Count], approve: op.B % 2 == 0),
                Kind.Publish => Publish(op),
                Kind.Withdraw when _offers.Count > 0 => Withdraw(_offers[op.A % _offers.Count]),
                Kind.Redeem when _offers.Count > 0 => Redeem(Accounts[op.A % 4], _offers[op.B % _offers.Count], 1 + ((ulong)op.C % 4), batch),
                Kind.Wait => Wait(1 + (op.A % 4)),
                _ => null,
            };
        }

        /// <summary>Nine times in ten a trading party, else the rights provider (who may not trade).</summary>
        private static string Party(int selector) => selector % 10 == 0 ? Provider : Accounts[selector % 3];

        /// <summary>Three times in four an auction still taking bids, so that auctions see several bids before they close.</summary>
        private Auction PickAuction(int selector)
        {
            var open = _auctions.Where(a => a.Status == AuctionStatus.Open && a.ClosesAtMs > Now).ToList();
            return selector % 4 != 0 && open.Count > 0 ? open[selector % open.Count] : _auctions[selector % _auctions.Count];
        }

        /// <summary>Mostly small, sometimes more than anyone holds.</summary>
        private static ulong Amount(int seed) => seed < 900 ? (ulong)seed * 7 + 1 : 1_000_000;

        private string? Transfer(string from, string to, string batch, ulong grams)
        {
            var expected = from == Provider ? RejectionCode.UnauthorizedRole
                : from == to ? RejectionCode.SelfTransfer
                : to == Provider ? RejectionCode.UnauthorizedRole
                : Balance(from, batch).Tradable < grams ? RejectionCode.InsufficientBalance
                : RejectionCode.Unspecified;
            var envelope = _ledger.Sign(from, Bodies.Transfer(to, batch, grams), from == to ? [TestLedger.Operator] : [TestLedger.Operator, to]);
            if (Apply(envelope, expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                Add(from, batch, -(long)grams, 0, 0);
                Add(to, batch, (long)grams, 0, 0);
            }

            return Check();
        }

        private string? Open(string seller, string batch, ulong grams, int closesInBlocks, ulong reserve)
        {
            var closes = _ledger.TimeMs + (closesInBlocks * 1_000L);
            var expected = closes <= Now ? RejectionCode.ClosingTimePassed
                : seller == Provider ? RejectionCode.UnauthorizedRole
                : Balance(seller, batch).Tradable < grams ? RejectionCode.InsufficientBalance
                : RejectionCode.Unspecified;
            var envelope = _ledger.Sign(TestLedger.Operator, Bodies.OpenAuction(seller, batch, grams, closes, reserve, increment: 50), seller);
            if (Apply(envelope, expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                Add(seller, batch, -(long)grams, (long)grams, 0);
                _auctions.Add(new Auction(IdOf(envelope), seller, batch, grams, closes, reserve, 50));
            }

            return Check();
        }

        private string? Bid(Auction auction, string bidder, int selector)
        {
            // Mostly the minimum or a little above; one time in four one minor unit short.
            var price = selector % 4 == 0 ? auction.Minimum - 1 : auction.Minimum + (ulong)(selector % 100);
            var expected = bidder == Provider ? RejectionCode.UnauthorizedRole
                : auction.Status != AuctionStatus.Open ? RejectionCode.AuctionSettled
                : Now >= auction.ClosesAtMs ? RejectionCode.AuctionClosed
                : bidder == auction.Seller ? RejectionCode.BidOnOwnLot
                : price < auction.Minimum ? RejectionCode.BidTooLow
                : RejectionCode.Unspecified;
            if (auction.Bids > 0 && expected is RejectionCode.Unspecified or RejectionCode.BidTooLow)
            {
                Raises = expected == RejectionCode.Unspecified ? (Raises.Accepted + 1, Raises.TooLow) : (Raises.Accepted, Raises.TooLow + 1);
            }

            if (Apply(_ledger.Sign(bidder, Bodies.PlaceBid(auction.Id, price)), expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                (auction.BestBidder, auction.BestPrice, auction.Bids) = (bidder, price, auction.Bids + 1);
            }

            return Check();
        }

        private string? Decide(Auction auction, bool settle)
        {
            var expected = auction.Status != AuctionStatus.Open ? RejectionCode.AuctionSettled
                : settle && Now < auction.ClosesAtMs ? RejectionCode.AuctionNotClosed
                : RejectionCode.Unspecified;
            var body = settle ? Bodies.SettleAuction(auction.Id) : Bodies.CancelAuction(auction.Id);
            if (Apply(_ledger.Sign(TestLedger.Operator, body), expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                var winner = settle && auction.BestBidder.Length > 0 ? auction.BestBidder : auction.Seller;
                Add(auction.Seller, auction.Batch, 0, -(long)auction.Grams, 0);
                Add(winner, auction.Batch, (long)auction.Grams, 0, 0);
                auction.Status = settle ? AuctionStatus.Settled : AuctionStatus.Cancelled;
                Settled += settle ? 1 : 0;
            }

            return Check();
        }

        private string? RequestCancellation(string holder, string batch, ulong grams)
        {
            var expected = Balance(holder, batch).Tradable < grams ? RejectionCode.InsufficientBalance : RejectionCode.Unspecified;
            var envelope = _ledger.Sign(holder, Bodies.RequestCancellation(batch, grams));
            if (Apply(envelope, expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                Add(holder, batch, -(long)grams, (long)grams, 0);
                _pending.Add((IdOf(envelope), holder, batch, grams));
            }

            return Check();
        }

        private string? DecideCancellation((string Id, string Holder, string Batch, ulong Grams) pending, bool approve)
        {
            _pending.Remove(pending);
            var body = approve ? Bodies.ApproveCancellation(pending.Id) : Bodies.DeclineCancellation(pending.Id);
            if (Apply(_ledger.Sign(TestLedger.Operator, body), RejectionCode.Unspecified) is { } problem)
            {
                return problem;
            }

            Add(pending.Holder, pending.Batch, approve ? 0 : (long)pending.Grams, -(long)pending.Grams, approve ? (long)pending.Grams : 0);
            return Check();
        }

        private string? Publish(Op op)
        {
            // One time in five an id already taken.
            var id = op.A % 5 == 0 && _offers.Count > 0 ? _offers[op.B % _offers.Count].Id : "offer-" + _offers.Count;
            var offer = new Offer(id, 1 + ((ulong)op.B * 3), (ulong)(op.C % 6), _ledger.TimeMs + ((1 + (op.D % 30)) * 1_000L));
            var expected = _offers.Any(o => o.Id == id) ? RejectionCode.MallOfferExists : RejectionCode.Unspecified;
            if (Apply(_ledger.Sign(Provider, Bodies.PublishMallOffer(id, offer.PriceGrams, offer.Published, 0, offer.ValidUntilMs)), expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                _offers.Add(offer);
            }

            return Check();
        }

        private string? Withdraw(Offer offer)
        {
            var expected = offer.Withdrawn ? RejectionCode.MallOfferWithdrawn : RejectionCode.Unspecified;
            if (Apply(_ledger.Sign(Provider, Bodies.WithdrawMallOffer(offer.Id)), expected) is { } problem)
            {
                return problem;
            }

            offer.Withdrawn = true;
            return Check();
        }

        private string? Redeem(string redeemer, Offer offer, ulong quantity, string batch)
        {
            var grams = offer.PriceGrams * quantity;
            var expected = redeemer == Provider ? RejectionCode.UnauthorizedRole
                : offer.Withdrawn ? RejectionCode.MallOfferWithdrawn
                : Now >= offer.ValidUntilMs ? RejectionCode.MallOfferExpired
                : offer.Stock < quantity ? RejectionCode.OutOfStock
                : Balance(redeemer, batch).Tradable < grams ? RejectionCode.InsufficientBalance
                : RejectionCode.Unspecified;
            if (Apply(_ledger.Sign(redeemer, Bodies.Redeem(offer.Id, quantity, batch)), expected) is { } problem)
            {
                return problem;
            }

            if (expected == RejectionCode.Unspecified)
            {
                Add(redeemer, batch, -(long)grams, 0, 0);
                Add(Provider, batch, (long)grams, 0, 0);
                offer.Stock -= quantity;
                offer.Redeemed += quantity;
                Redeemed++;
            }

            return Check();
        }

        private string? Wait(int blocks)
        {
            for (var i = 0; i < blocks; i++)
            {
                _ledger.ApplyBlock();
            }

            return Check();
        }

        private string IdOf(Envelope envelope) => Convert.ToHexStringLower(SignBytes.TransactionId(_ledger.Machine.Parameters.Hash, envelope));

        private string? Apply(Envelope envelope, RejectionCode expected)
        {
            var before = Records();
            var receipt = _ledger.ApplyBlock(envelope)[0];
            Codes.Add(receipt.Code);
            if (receipt.Code != expected)
            {
                return $"expected {expected}, got {receipt.Code}: {receipt.Message}";
            }

            return receipt.Code != RejectionCode.Unspecified && !before.SequenceEqual(Records())
                ? $"refused with {receipt.Code} but the state changed"
                : null;
        }

        /// <summary>Ledger against model after every step.</summary>
        private string? Check() => CheckBalancesAndSupply() ?? CheckEscrow() ?? CheckAuctions() ?? CheckOffers();

        private string? CheckBalancesAndSupply()
        {
            var view = _ledger.View;
            foreach (var batch in _batches)
            {
                var record = view.GetBatch(batch)!;
                var held = _balances.Where(b => b.Key.Batch == batch).Select(b => b.Value).ToList();
                var model = (held.Aggregate(0UL, (s, b) => s + b.Tradable), held.Aggregate(0UL, (s, b) => s + b.Escrowed), held.Aggregate(0UL, (s, b) => s + b.Retired));
                if (record.IssuedGrams != record.TradableGrams + record.EscrowedGrams + record.RetiredGrams + record.VoidedGrams)
                {
                    return $"supply identity broken for {batch}";
                }

                if ((record.TradableGrams, record.EscrowedGrams, record.RetiredGrams) != model)
                {
                    return $"batch {batch} is {record} but the model has {model}";
                }
            }

            foreach (var ((account, batch), model) in _balances)
            {
                var balance = view.GetBalance(account, batch);
                if ((balance.TradableGrams, balance.EscrowedGrams, balance.RetiredGrams) != model)
                {
                    return $"balance {account}/{batch} is {balance} but the model has {model}";
                }
            }

            return null;
        }

        /// <summary>An account's escrow in a batch is exactly its open auction lots and pending cancellations there: no escrow is confused with another.</summary>
        private string? CheckEscrow()
        {
            var view = _ledger.View;
            foreach (var account in Accounts)
            {
                foreach (var batch in _batches)
                {
                    var lots = _auctions.Where(a => a.Seller == account && a.Batch == batch && a.Status == AuctionStatus.Open).Aggregate(0UL, (s, a) => s + a.Grams);
                    var cancellations = _pending.Where(p => p.Holder == account && p.Batch == batch).Aggregate(0UL, (s, p) => s + p.Grams);
                    var escrowed = view.GetBalance(account, batch).EscrowedGrams;
                    if (escrowed != lots + cancellations)
                    {
                        return $"{account}/{batch} has {escrowed} g in escrow, but its open lots are {lots} g and its pending cancellations {cancellations} g";
                    }
                }
            }

            return null;
        }

        private string? CheckAuctions()
        {
            var view = _ledger.View;
            foreach (var auction in _auctions)
            {
                var record = view.GetAuction(auction.Id)!;
                if ((record.Status, record.BestBidder, record.BestPriceMinorUnits, record.BidCount) != (auction.Status, auction.BestBidder, auction.BestPrice, auction.Bids))
                {
                    return $"auction {auction.Id} is {record} but the model has {auction}";
                }
            }

            return null;
        }

        private string? CheckOffers()
        {
            var view = _ledger.View;
            foreach (var offer in _offers)
            {
                var record = view.GetMallOffer(offer.Id)!;
                if (record.Stock != offer.Stock || record.RedeemedQuantity != offer.Redeemed || record.Stock + record.RedeemedQuantity != offer.Published
                    || (record.Status == MallOfferStatus.Withdrawn) != offer.Withdrawn)
                {
                    return $"offer {offer.Id} is {record} but the model has stock {offer.Stock}, redeemed {offer.Redeemed}, withdrawn {offer.Withdrawn}";
                }
            }

            return null;
        }

        private (ulong Tradable, ulong Escrowed, ulong Retired) Balance(string account, string batch) => _balances.GetValueOrDefault((account, batch));

        private void Add(string account, string batch, long tradable, long escrowed, long retired)
        {
            var (t, e, r) = Balance(account, batch);
            _balances[(account, batch)] = ((ulong)((long)t + tradable), (ulong)((long)e + escrowed), (ulong)((long)r + retired));
        }

        /// <summary>Every record but the state root.</summary>
        private List<string> Records() =>
            _ledger.Store.Entries.Where(e => e.Key[0] != StateKeys.MetaTable)
                .Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).Order(StringComparer.Ordinal).ToList();
    }
}
