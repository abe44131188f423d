#!/usr/bin/env python3
"""Test vectors for docs/PROTOCOL.md, computed from the document alone.

Uses only the Python standard library and the `cryptography` package (Ed25519, SHA-256, SM3).
Protobuf bytes are written by hand; SM2 is written out on the curve equations of GB/T 32918.
The output is the ```vectors block of docs/PROTOCOL.md §13, byte for byte:

    python3 docs/vectors/protocol_vectors.py                     print the block
    python3 docs/vectors/protocol_vectors.py --check docs/PROTOCOL.md   exit 1 if the document differs
    python3 docs/vectors/protocol_vectors.py --genesis             print the genesis JSON of §11
"""

import hashlib
import json
import base64
import datetime

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


# --- hashes (§1) -----------------------------------------------------------------------------

def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


NETWORK_HASHES = {"sha256": sha256, "sm3": sm3}


# --- fixed layouts (§1) ----------------------------------------------------------------------

def u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def i64(value: int) -> bytes:
    return (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def lp(data: bytes) -> bytes:
    """A byte string prefixed by its length as u32."""
    return u32(len(data)) + data


def lps(text: str) -> bytes:
    """A string as UTF-8, prefixed by its byte length as u32."""
    return lp(text.encode("utf-8"))


TAG_TX = b"ORDOS-CIL/tx/v1"
TAG_STATE = b"ORDOS-CIL/state/v1"
TAG_HEADER = b"ORDOS-CIL/header/v1"
TAG_RECEIPT = b"ORDOS-CIL/receipt/v1"
TAG_VOTE = b"ORDOS-CIL/vote/v1"
TAG_GENESIS = b"ORDOS-CIL/genesis/v1"
TAG_PROPOSAL = b"ORDOS-CIL/proposal/v1"
TAG_VALIDATORS = b"ORDOS-CIL/validators/v1"


# --- protobuf, by hand (§8) ------------------------------------------------------------------

def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_varint(field: int, value: int) -> bytes:
    """A varint field; proto3 omits the default 0."""
    return b"" if value == 0 else varint(field << 3) + varint(value)


def pb_bytes(field: int, data: bytes) -> bytes:
    """A length-delimited scalar (string/bytes); proto3 omits the empty default."""
    return b"" if len(data) == 0 else varint((field << 3) | 2) + varint(len(data)) + data


def pb_str(field: int, text: str) -> bytes:
    return pb_bytes(field, text.encode("utf-8"))


def pb_message(field: int, encoded: bytes) -> bytes:
    """A present sub-message, written even when empty (oneof members and set message fields)."""
    return varint((field << 3) | 2) + varint(len(encoded)) + encoded


def pb_packed(field: int, values) -> bytes:
    """A repeated enum/integer field: packed (the proto3 default), omitted when empty."""
    payload = b"".join(varint(v) for v in values)
    return b"" if not payload else varint((field << 3) | 2) + varint(len(payload)) + payload


def public_key_pb(algorithm: int, key: bytes) -> bytes:
    return pb_varint(1, algorithm) + pb_bytes(2, key)


# --- SM2 (GB/T 32918.2 on sm2p256v1), signing with an RFC 6979 nonce from HMAC-SM3 (§7) ------

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
SM2_ID = b"1234567812345678"


def ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def ec_mul(k: int, point):
    result = None
    while k:
        if k & 1:
            result = ec_add(result, point)
        point = ec_add(point, point)
        k >>= 1
    return result


def b32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def sm2_private_from_seed(seed: bytes) -> int:
    """The reference SDK's seed-to-key rule (SigningKey.FromSeed): d = (seed mod (n - 2)) + 1."""
    return int.from_bytes(seed, "big") % (N - 2) + 1


def sm2_public_key(d: int) -> bytes:
    x, y = ec_mul(d, (GX, GY))
    return b"\x04" + b32(x) + b32(y)


def sm2_digest(public_key: bytes, message: bytes) -> bytes:
    """e = SM3(Z_A || M), Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)."""
    z = sm3(u32(len(SM2_ID) * 8)[2:] + SM2_ID + b32(A) + b32(B) + b32(GX) + b32(GY) + public_key[1:])
    return sm3(z + message)


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def rfc6979_nonces(d: int, e: bytes):
    """RFC 6979 §3.2 with HMAC-SM3; qlen = hlen = 256, so bits2int is a plain big-endian read."""
    h1 = b32(int.from_bytes(e, "big") % N)
    x = b32(d)
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac_sm3(k, v + b"\x00" + x + h1)
    v = hmac_sm3(k, v)
    k = hmac_sm3(k, v + b"\x01" + x + h1)
    v = hmac_sm3(k, v)
    while True:
        v = hmac_sm3(k, v)
        candidate = int.from_bytes(v, "big")
        if 1 <= candidate < N:
            yield candidate
        k = hmac_sm3(k, v + b"\x00")
        v = hmac_sm3(k, v)


def sm2_sign(d: int, message: bytes) -> bytes:
    e_bytes = sm2_digest(sm2_public_key(d), message)
    e = int.from_bytes(e_bytes, "big")
    for k in rfc6979_nonces(d, e_bytes):
        x1, _ = ec_mul(k, (GX, GY))
        r = (e + x1) % N
        if r == 0 or r + k == N:
            continue
        s = pow(1 + d, -1, N) * (k - r * d) % N
        if s != 0:
            return b32(r) + b32(s)


def sm2_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    point = (int.from_bytes(public_key[1:33], "big"), int.from_bytes(public_key[33:], "big"))
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N) or (r + s) % N == 0:
        return False
    t = (r + s) % N
    x1, _ = ec_add(ec_mul(s, (GX, GY)), ec_mul(t, point))
    return (int.from_bytes(sm2_digest(public_key, message), "big") + x1) % N == r


# --- the rules of the document ---------------------------------------------------------------

def sign_bytes(chain_id: str, signer: str, nonce: int, expiry: int, body: bytes) -> bytes:
    """§2: lp(tag) || lp(chain_id) || lp(signer) || u64 nonce || u64 expiry_height || lp(body)."""
    return lp(TAG_TX) + lps(chain_id) + lps(signer) + u64(nonce) + u64(expiry) + lp(body)


def merkle_root(h, items) -> bytes:
    """§3: RFC 6962 §2.1. Empty list: H(""); leaf: H(0x00 || item); node: H(0x01 || left || right)."""
    if not items:
        return h(b"")
    if len(items) == 1:
        return h(b"\x00" + items[0])
    split = 1
    while split * 2 < len(items):
        split *= 2
    return h(b"\x01" + merkle_root(h, items[:split]) + merkle_root(h, items[split:]))


def canonical_receipt(transaction_id: bytes, code: int, message: str, attributes) -> bytes:
    """§3: lp(tag) || transaction_id (32) || u32 code || lp(message) || u32 count || (lp(key) || lp(value))*."""
    out = lp(TAG_RECEIPT) + transaction_id + u32(code) + lps(message) + u32(len(attributes))
    for key, value in attributes:
        out += lps(key) + lps(value)
    return out


def header_bytes(chain_id, height, time_ms, previous, transactions, receipts, state, validators, proposer) -> bytes:
    """§4: lp(tag) || lp(chain_id) || u64 height || i64 time_ms || five 32-byte hashes || lp(proposer)."""
    return (lp(TAG_HEADER) + lps(chain_id) + u64(height) + i64(time_ms)
            + previous + transactions + receipts + state + validators + lps(proposer))


def validator_set_hash(h, validators) -> bytes:
    """§6.1: lp(tag) || u32 count || per validator, ids ascending (ordinal):
    str(id) || u32 algorithm || lp(key) || u64 power."""
    out = lp(TAG_VALIDATORS) + u32(len(validators))
    for validator_id, algorithm, key, power in sorted(validators, key=lambda v: v[0].encode("utf-8")):
        out += lps(validator_id) + u32(algorithm) + lp(key) + u64(power)
    return h(out)


def proposal_sign_bytes(chain_id: str, height: int, round_: int, valid_round: int, block_hash: bytes) -> bytes:
    """§6.2: lp(tag) || str(chain_id) || u64 height || u32 round || u32(valid_round + 1) || lp(block_hash)."""
    return lp(TAG_PROPOSAL) + lps(chain_id) + u64(height) + u32(round_) + u32(valid_round + 1) + lp(block_hash)


def vote_sign_bytes(chain_id: str, height: int, round_: int, vote_type: int, block_hash: bytes) -> bytes:
    """§6.2: lp(tag) || str(chain_id) || u64 height || u32 round || u8 type || lp(block_hash); nil = empty hash."""
    return lp(TAG_VOTE) + lps(chain_id) + u64(height) + u32(round_) + bytes([vote_type]) + lp(block_hash)


def state_key(table: int, *parts: str) -> bytes:
    """§5: table byte, then the UTF-8 parts joined by 0x00."""
    return bytes([table]) + b"\x00".join(p.encode("utf-8") for p in parts)


META_STATE_ROOT = state_key(0x00, "state_root")


def nonce_key(signer: str, nonce: int) -> bytes:
    return state_key(0x08, signer) + b"\x00" + u64(nonce)


def state_root(h, previous: bytes, writes: dict) -> bytes:
    """§5: lp(tag) || previous (32) || u64 count || per key ascending: lp(key) || (0x00 | 0x01 || lp(value))."""
    entries = sorted((k, v) for k, v in writes.items() if k != META_STATE_ROOT)
    out = lp(TAG_STATE) + previous + u64(len(entries))
    for key, value in entries:
        out += lp(key) + (b"\x00" if value is None else b"\x01" + lp(value))
    return h(out)


def batch_id(project_id: str, first_day: int, last_day: int) -> str:
    """§10: ORD-P-<project>-<first yyyyMMdd>-<last yyyyMMdd>, day 0 = 1970-01-01."""
    epoch = datetime.date(1970, 1, 1)
    compact = lambda day: (epoch + datetime.timedelta(days=day)).strftime("%Y%m%d")
    return f"ORD-P-{project_id}-{compact(first_day)}-{compact(last_day)}"


# --- the vectors -----------------------------------------------------------------------------

def vectors() -> str:
    lines = []

    def text(name, value):
        lines.append(f'{name} = "{value}"')

    def number(name, value):
        lines.append(f"{name} = {value}")

    def hexa(name, value: bytes):
        lines.append(f"{name} = {value.hex()}")

    # Keys: the same 32-byte seed 00 01 .. 1f for both algorithms.
    seed = bytes(range(32))
    ed_key = Ed25519PrivateKey.from_private_bytes(seed)
    ed_public = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sm2_d = sm2_private_from_seed(seed)
    sm2_public = sm2_public_key(sm2_d)

    hexa("key.seed", seed)
    hexa("key.ed25519.public_key", ed_public)
    hexa("key.sm2.private_key", b32(sm2_d))
    hexa("key.sm2.public_key", sm2_public)
    lines.append("")

    # A Transfer (TransactionBody field 9).
    chain_id, signer, nonce, expiry = "ordos-vectors", "trader-1", 7, 1000
    day_first, day_last = 20089, 20178  # 2025-01-01 .. 2025-03-31
    batch = batch_id("solar-1", day_first, day_last)
    to, amount = "trader-2", 1_500_000
    transfer = pb_str(1, to) + pb_str(2, batch) + pb_varint(3, amount)
    body = pb_message(9, transfer)
    signed = sign_bytes(chain_id, signer, nonce, expiry, body)
    tx_id = sha256(signed)
    ed_signature = ed_key.sign(signed)
    sm2_signature = sm2_sign(sm2_d, signed)
    assert sm2_verify(sm2_public, signed, sm2_signature)
    envelope = (pb_str(1, chain_id) + pb_bytes(2, body) + pb_str(3, signer) + pb_varint(4, nonce)
                + pb_varint(5, expiry) + pb_message(6, pb_str(1, signer) + pb_bytes(2, ed_signature)))

    text("tx.chain_id", chain_id)
    text("tx.signer", signer)
    number("tx.nonce", nonce)
    number("tx.expiry_height", expiry)
    number("tx.transfer.first_day", day_first)
    number("tx.transfer.last_day", day_last)
    text("tx.transfer.batch_id", batch)
    text("tx.transfer.to", to)
    number("tx.transfer.amount_grams", amount)
    hexa("tx.body", body)
    hexa("tx.sign_bytes", signed)
    hexa("tx.id.sha256", tx_id)
    hexa("tx.id.sm3", sm3(signed))
    hexa("tx.signature.ed25519", ed_signature)
    hexa("tx.signature.sm2", sm2_signature)
    hexa("tx.envelope", envelope)
    hexa("tx.transactions_root.sha256", merkle_root(sha256, [envelope]))
    text("tx.cancellation_id", tx_id.hex())
    lines.append("")

    # A RegisterParticipant body: packed roles, a nested PublicKey.
    roles = [5, 7]  # PROJECT_OWNER, TRADER
    register = (pb_str(1, "trader-1") + pb_str(2, "Trader One Ltd.") + pb_packed(3, roles)
                + pb_message(4, public_key_pb(1, ed_public)))
    hexa("body.register_participant", pb_message(1, register))
    lines.append("")

    # Merkle roots over items 0x00, 0x01, 0x02, ...
    items = [bytes([i]) for i in range(5)]
    for count in (0, 1, 2, 3, 5):
        hexa(f"merkle.sha256.{count}", merkle_root(sha256, items[:count]))
    for count in (0, 1, 3, 5):
        hexa(f"merkle.sm3.{count}", merkle_root(sm3, items[:count]))
    lines.append("")

    # Receipts: one committed with an attribute, one refused (INSUFFICIENT_BALANCE = 51).
    committed = canonical_receipt(tx_id, 0, "", [("cancellation_id", tx_id.hex())])
    refused = canonical_receipt(bytes(32), 51, "short", [])
    hexa("receipt.committed", committed)
    hexa("receipt.refused", refused)
    hexa("receipt.root.sha256", merkle_root(sha256, [committed, refused]))
    lines.append("")

    # A header with recognisable hashes.
    header = header_bytes("ordos-vectors", 2, 1_735_660_800_000, b"\x11" * 32, b"\x22" * 32, b"\x33" * 32,
                          b"\x44" * 32, b"\x55" * 32, "bureau")
    number("header.height", 2)
    number("header.time_ms", 1_735_660_800_000)
    hexa("header.bytes", header)
    hexa("header.hash.sha256", sha256(header))
    hexa("header.hash.sm3", sm3(header))
    lines.append("")

    # Votes on that header: a precommit for it in round 1, and a nil prevote.
    precommit = vote_sign_bytes("ordos-vectors", 2, 1, 2, sha256(header))
    hexa("vote.precommit.sign_bytes", precommit)
    hexa("vote.precommit.signature.ed25519", ed_key.sign(precommit))
    hexa("vote.nil_prevote.sign_bytes", vote_sign_bytes("ordos-vectors", 2, 0, 1, b""))
    hexa("proposal.sign_bytes", proposal_sign_bytes("ordos-vectors", 2, 1, 0, sha256(header)))
    lines.append("")

    # State keys of every table.
    report_hash = b"\xab" * 32
    keys = {
        "meta_state_root": META_STATE_ROOT,
        "participant": state_key(0x01, "trader-1"),
        "methodology": state_key(0x02, "CM-001"),
        "project": state_key(0x03, "solar-1"),
        "batch": state_key(0x04, batch),
        "balance": state_key(0x05, "trader-1", batch),
        "cancellation": state_key(0x06, tx_id.hex()),
        "report_hash": bytes([0x07]) + report_hash,
        "nonce": nonce_key("trader-1", 7),
    }
    for name, key in keys.items():
        hexa(f"state.key.{name}", key)

    # A tiny write set: two puts, one deletion, and the meta key (excluded from the digest).
    nonce_use = pb_bytes(1, tx_id) + pb_varint(2, 5)
    balance = pb_str(1, "trader-2") + pb_str(2, batch) + pb_varint(3, amount)
    writes = {
        nonce_key("trader-1", 7): nonce_use,
        state_key(0x05, "trader-2", batch): balance,
        state_key(0x01, "ghost"): None,
        META_STATE_ROOT: b"\xee" * 32,
    }
    hexa("state.value.nonce_use", nonce_use)
    hexa("state.value.balance", balance)
    root_1 = state_root(sha256, bytes(32), writes)
    hexa("state.root.sha256", root_1)
    hexa("state.root.sm3", state_root(sm3, bytes(32), writes))
    hexa("state.root_after_empty_block.sha256", state_root(sha256, root_1, {}))
    lines.append("")

    # Genesis: the JSON of §11, its state and root.
    genesis = genesis_json(ed_public, sm2_public)
    participants = {}
    for participant in genesis["participants"]:
        record = (pb_str(1, participant["participantId"]) + pb_str(2, participant["name"])
                  + pb_packed(3, sorted(ROLE_NUMBERS[r] for r in participant["roles"]))
                  + pb_message(4, public_key_pb(KEY_NUMBERS[participant["publicKey"]["algorithm"]],
                                                base64.b64decode(participant["publicKey"]["key"])))
                  + pb_varint(5, 1) + pb_str(6, "genesis"))
        participants[state_key(0x01, participant["participantId"])] = record
    hexa("genesis.record.bureau", participants[state_key(0x01, "bureau")])
    validators = [(v["validatorId"], KEY_NUMBERS[v["publicKey"]["algorithm"]], base64.b64decode(v["publicKey"]["key"]),
                   int(v["power"])) for v in genesis["validators"]]
    # §5.1: the validator schedule, genesis's set from height 1, validators in id order.
    scheduled = b"".join(pb_message(2, pb_str(1, vid) + pb_message(2, public_key_pb(alg, key)) + pb_varint(3, power))
                         for vid, alg, key, power in sorted(validators, key=lambda v: v[0].encode("utf-8")))
    genesis_writes = dict(participants)
    genesis_writes[state_key(0x00, "validators")] = pb_message(1, pb_varint(1, 1) + scheduled)
    hexa("genesis.state_root.sha256", state_root(sha256, bytes(32), genesis_writes))
    hexa("genesis.validator_set_hash.sha256", validator_set_hash(sha256, validators))
    hexa("genesis.validator_set_hash.sm3", validator_set_hash(sm3, validators))
    # §11.1: the genesis hash, ending with the rules' effective values (absent: 5 days, 3 opinions, not development).
    genesis_root = state_root(sha256, bytes(32), genesis_writes)
    genesis_prefix = (lp(TAG_GENESIS) + lps(genesis["chainId"]) + u32(1) + i64(int(genesis["genesisTimeMs"]))
                      + genesis_root + validator_set_hash(sha256, validators))
    hexa("genesis.hash.sha256", sha256(genesis_prefix + u32(5) + u32(3) + bytes([0])))
    # The same genesis with "rules": {"noticeWorkingDays": 0, "reviewOpinionsRequired": 1, "developmentRules": true}.
    hexa("genesis.hash_development.sha256", sha256(genesis_prefix + u32(0) + u32(1) + bytes([1])))

    return "\n".join(lines)


ROLE_NUMBERS = {"ROLE_BUREAU": 1, "ROLE_OPERATOR": 2, "ROLE_VERIFIER": 3, "ROLE_PROJECT_OWNER": 5, "ROLE_TRADER": 7}
KEY_NUMBERS = {"KEY_ALGORITHM_ED25519": 1, "KEY_ALGORITHM_SM2": 2}


def genesis_json(ed_public: bytes, sm2_public: bytes) -> dict:
    """The genesis document of §11, in protobuf JSON form (printed with --genesis)."""
    return {
        "chainId": "ordos-vectors",
        "hashAlgorithm": "HASH_ALGORITHM_SHA256",
        "genesisTimeMs": "1735660800000",
        "participants": [
            {
                "participantId": "bureau",
                "name": "Ordos Ecology and Environment Bureau",
                "roles": ["ROLE_BUREAU"],
                "publicKey": {"algorithm": "KEY_ALGORITHM_SM2", "key": base64.b64encode(sm2_public).decode()},
            },
            {
                "participantId": "operator",
                "name": "Guorui Platform Operator",
                "roles": ["ROLE_OPERATOR"],
                "publicKey": {"algorithm": "KEY_ALGORITHM_ED25519", "key": base64.b64encode(ed_public).decode()},
            },
        ],
        "validators": [
            {
                "validatorId": "node-operator",
                "publicKey": {"algorithm": "KEY_ALGORITHM_ED25519", "key": base64.b64encode(ed_public).decode()},
                "power": "2",
            },
            {
                "validatorId": "node-bureau",
                "publicKey": {"algorithm": "KEY_ALGORITHM_SM2", "key": base64.b64encode(sm2_public).decode()},
                "power": "1",
            },
        ],
    }


if __name__ == "__main__":
    import sys

    if "--genesis" in sys.argv:
        seed = bytes(range(32))
        ed = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        print(json.dumps(genesis_json(ed, sm2_public_key(sm2_private_from_seed(seed))), indent=2))
    elif "--check" in sys.argv:
        document = open(sys.argv[sys.argv.index("--check") + 1], encoding="utf-8").read()
        start = document.index("```vectors\n") + len("```vectors\n")
        written = document[start:document.index("\n```", start)]
        if written != vectors():
            sys.exit("the vectors in the document differ from what this script computes")
        print("the document's vectors match")
    else:
        print(vectors())
