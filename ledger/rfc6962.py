"""RFC 6962 Merkle tree hashing, proofs and their verification.

Hashing is RFC 6962 §2.1 with SHA-256: a leaf is SHA-256(0x00 ‖ data), an inner
node SHA-256(0x01 ‖ left ‖ right), the empty tree SHA-256(""). The distinct
prefixes keep a leaf from ever being passed off as a node (second preimages).

Proof generation follows the RFC 6962 definitions literally: PATH (§2.1.1) for
inclusion and PROOF/SUBPROOF (§2.1.2) for consistency, over already-hashed
leaves. Verification follows the algorithms of RFC 9162 §2.1.3.2 (inclusion) and
§2.1.4.2 (consistency), which only need the sizes, the proof and the roots.

Generation needs the leaves; verification never does. Every verification
failure raises VerificationError with failure "inclusion-proof" or
"consistency-proof"; misuse of the generators raises LedgerError.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.errors import LedgerError, VerificationError

__all__ = [
    "EMPTY_ROOT", "HASH_SIZE", "RootBuilder", "compact_range_at", "consistency_proof",
    "inclusion_proof", "leaf_hash", "node_hash", "root_from_inclusion_proof", "root_hash",
    "subtree_levels", "verify_consistency", "verify_inclusion",
]

# Domain-separation prefixes of RFC 6962 §2.1.
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32

_sha256 = hashlib.sha256

EMPTY_ROOT = _sha256(b"").digest()
"""MTH({}) = SHA-256() = e3b0c442…b855, the root of the empty tree."""

_INCLUSION = "inclusion-proof"
_CONSISTENCY = "consistency-proof"
_TAMPER_HINT = "the entry, the proof or the checkpoint may have been altered"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 ‖ d) — RFC 6962 §2.1."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right) — RFC 6962 §2.1."""
    return _sha256(NODE_PREFIX + left + right).digest()


class RootBuilder:
    """Streaming Merkle tree head over leaf hashes (a compact range from 0).

    The stack holds the roots of the perfect subtrees that make up the tree so
    far, biggest (leftmost) first: one per set bit of `size`, so at most 64.
    Appending merges equal-sized neighbours like a binary counter carries, which
    is one node hash per append on average. This is the hot path of verifying a
    whole log, so append() does nothing else: it trusts that callers pass
    32-byte leaf hashes (a wrong one only yields a root nobody else computes).
    """

    __slots__ = ("_stack", "_size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash (not the leaf data)."""
        stack = self._stack
        n = self._size
        h = leaf_hash
        # Each trailing 1 bit of the old size is a perfect subtree of the same
        # height as h: merge it in, exactly like carrying in binary addition.
        while n & 1:
            h = _sha256(NODE_PREFIX + stack.pop() + h).digest()  # node_hash, inlined: hot path
            n >>= 1
        stack.append(h)
        self._size += 1

    @classmethod
    def from_compact_range(cls, size: int, hashes: Sequence[bytes]) -> "RootBuilder":
        """Resume from a saved `compact_range()`: one hash per set bit of `size`."""
        if size < 0 or len(hashes) != bin(size).count("1") or any(len(h) != HASH_SIZE for h in hashes):
            raise LedgerError(f"a compact range for {size} leaves needs {bin(max(size, 0)).count('1')} "
                              f"hashes of {HASH_SIZE} bytes; got {len(hashes)}")
        b = cls()
        b._stack = list(hashes)
        b._size = size
        return b

    def compact_range(self) -> list[bytes]:
        """The perfect-subtree roots, leftmost first: enough to resume appending later."""
        return list(self._stack)

    def root(self) -> bytes:
        """MTH of all leaves so far, in O(log n): fold the subtrees right to left."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        r = stack[-1]
        for h in reversed(stack[:-1]):
            r = node_hash(h, r)
        return r


def subtree_levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """Every level of the Merkle tree over `leaf_hashes`, the leaves first: level h holds the
    roots of the perfect subtrees of 2**h leaves, left to right (a leftover on the right goes
    no higher). The same node hashes as appending to a RootBuilder, one list comprehension
    per level instead of a call per leaf: for the verifier's ranges (ledger/ranges.py)."""
    levels = [leaf_hashes]
    while len(levels[-1]) > 1:
        pairs = iter(levels[-1])
        levels.append([_sha256(NODE_PREFIX + left + right).digest() for left, right in zip(pairs, pairs)])
    return levels


def compact_range_at(levels: list[list[bytes]], size: int) -> list[bytes]:
    """RootBuilder.compact_range() after the first `size` leaves, read off `subtree_levels`."""
    stack: list[bytes] = []
    start = 0
    for height in reversed(range(size.bit_length())):
        if size >> height & 1:
            stack.append(levels[height][start >> height])
            start += 1 << height
    return stack


def _mth(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) over leaf hashes, iteratively (no deep recursion, no copy)."""
    b = RootBuilder()
    append = b.append
    for i in range(lo, hi):
        append(leaf_hashes[i])
    return b.root()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1 over already-hashed leaves."""
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1) — RFC 6962 §2.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_range(leaf_hashes: Sequence[bytes], size: int) -> None:
    if not 0 <= size <= len(leaf_hashes):
        raise LedgerError(f"cannot build a proof for a tree of {size} entries: "
                          f"only {len(leaf_hashes)} leaf hashes were given")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 6962 §2.1.1, leaf-side hash first."""
    _check_range(leaf_hashes, size)
    if not 0 <= index < size:
        raise LedgerError(f"cannot prove entry {index} in a tree of {size} entries: "
                          "the index must be below the size")
    path: list[bytes] = []
    lo, hi = 0, size
    # Walk down from the root; the sibling found at each level is appended and
    # the list reversed at the end, since PATH lists the deepest sibling first.
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(_mth(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth(leaf_hashes, lo, lo + k))
            lo += k
    path.reverse()
    return path


def inclusion_proofs(leaf_hashes: Sequence[bytes], indexes: Sequence[int],
                     size: int) -> dict[int, list[bytes]]:
    """PATH(i, D[0:size]) for each of `indexes`. Subtree hashes are shared between the
    paths, so k proofs cost about one tree's hashing, not k."""
    _check_range(leaf_hashes, size)
    memo: dict[tuple[int, int], bytes] = {}

    def mth(lo: int, hi: int) -> bytes:
        if (lo, hi) not in memo:
            if hi - lo == 1:
                memo[lo, hi] = leaf_hashes[lo]
            else:
                k = _split(hi - lo)
                memo[lo, hi] = node_hash(mth(lo, lo + k), mth(lo + k, hi))
        return memo[lo, hi]

    out = {}
    for index in indexes:
        if not 0 <= index < size:
            raise LedgerError(f"cannot prove entry {index} in a tree of {size} entries: "
                              "the index must be below the size")
        path, lo, hi = [], 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index - lo < k:
                path.append(mth(lo + k, hi))
                hi = lo + k
            else:
                path.append(mth(lo, lo + k))
                lo += k
        path.reverse()
        out[index] = path
    return out


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int,
                      new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 6962 §2.1.2 (empty if sizes are equal or 0)."""
    _check_range(leaf_hashes, new_size)
    if not 0 <= old_size <= new_size:
        raise LedgerError(f"cannot prove consistency from {old_size} to {new_size} "
                          "entries: the old size must be between 0 and the new size")
    if old_size == 0 or old_size == new_size:
        return []
    proof: list[bytes] = []
    m, lo, hi, complete = old_size, 0, new_size, True
    # SUBPROOF(m, D[lo:hi], complete), unrolled; the hashes come out root side
    # first, so they are reversed at the end like in inclusion_proof.
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(_mth(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_mth(leaf_hashes, lo, lo + k))
            m, lo, complete = m - k, lo + k, False
    if not complete:
        # The old tree's last perfect subtree D[lo:hi] is not the old root
        # itself, so the verifier needs its hash too.
        proof.append(_mth(leaf_hashes, lo, hi))
    proof.reverse()
    return proof


def _check_hash(value: bytes, what: str, failure: str, index: int | None = None) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise VerificationError(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash",
                                failure=failure, index=index)


def _inclusion_shape(index: int, size: int) -> tuple[int, int]:
    """(inner, border): PATH has `inner` hashes below the point where the paths
    of `index` and of the last leaf split, then `border` more along the right
    border of the tree. Their sum is the only valid proof length."""
    inner = (index ^ (size - 1)).bit_length()
    return inner, (index >> inner).bit_count()


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """Hash `seed` up the levels where the paths of `index` and the last leaf have not yet
    met; bit i of `index` says whether proof[i] is the left or the right sibling."""
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """As `_chain_inner`, keeping only left siblings: the old tree's view of the path."""
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    """Hash `seed` up the right border of the tree, where every sibling is on the left."""
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int,
                              proof: Sequence[bytes]) -> bytes:
    """The root that `proof` implies for leaf `index` of a `size`-leaf tree (RFC 9162 §2.1.3.2,
    arranged as transparency-dev/merkle's proof/verify.go)."""
    _check_hash(leaf_hash, "the leaf hash", _INCLUSION, index)
    if not 0 <= index < size:
        raise VerificationError(f"entry {index} cannot be in a tree of {size} entries",
                                failure=_INCLUSION, index=index, expected=f"index < {size}",
                                found=index)
    inner, border = _inclusion_shape(index, size)
    if len(proof) != inner + border:
        raise VerificationError(
            f"the inclusion proof for entry {index} in a tree of {size} entries has "
            f"{len(proof)} hashes, but it must have exactly {inner + border}",
            failure=_INCLUSION, index=index, hint=_TAMPER_HINT,
            expected=inner + border, found=len(proof))
    for i, p in enumerate(proof):
        _check_hash(p, f"hash {i} of the inclusion proof", _INCLUSION, index)
    return _chain_border_right(_chain_inner(bytes(leaf_hash), proof[:inner], index), proof[inner:])


def verify_inclusion(leaf_hash: bytes, index: int, size: int,
                     proof: Sequence[bytes], root: bytes) -> None:
    """Check that `leaf_hash` is entry `index` of the tree of `size` leaves with `root`."""
    _check_hash(root, "the root hash", _INCLUSION, index)
    found = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if found != root:
        raise VerificationError(
            f"entry {index} is not proven to be in the tree of {size} entries: "
            "the inclusion proof leads to a different root",
            failure=_INCLUSION, index=index, hint=_TAMPER_HINT, expected=root.hex(), found=found.hex())


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that the tree of `new_size` leaves extends the one of `old_size` (RFC 9162 §2.1.4.2).

    Equal sizes need an empty proof and equal roots; two roots for one size mean
    the log was forked or rewritten. Unlike transparency-dev/merkle, an old size
    of 0 also requires old_root == EMPTY_ROOT: a checkpoint claiming any other
    root for an empty tree is wrong.
    """
    _check_hash(old_root, "the old root hash", _CONSISTENCY)
    _check_hash(new_root, "the new root hash", _CONSISTENCY)
    if old_size < 0 or old_size > new_size:
        raise VerificationError(
            f"the new tree ({new_size} entries) is smaller than the old one "
            f"({old_size} entries)", failure=_CONSISTENCY,
            hint="entries were removed, or the two checkpoints were given in the wrong order")
    if old_size == new_size or old_size == 0:
        if proof:
            raise VerificationError(
                f"a consistency proof from {old_size} to {new_size} entries must be empty, "
                f"but it has {len(proof)} hashes", failure=_CONSISTENCY)
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise VerificationError("the old checkpoint has 0 entries but not the empty-tree root",
                                    failure=_CONSISTENCY)
        if old_size == new_size and old_root != new_root:
            raise VerificationError(
                f"two different roots for the same size {new_size}: the log was forked "
                "or rewritten", failure=_CONSISTENCY, hint=_TAMPER_HINT)
        return
    inner, border = _inclusion_shape(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1  # trailing zeros of old_size
    inner -= shift
    # The old tree's biggest perfect right subtree (2**shift leaves) is shared by both trees,
    # so the proof starts at its root, omitted when it is the whole old tree.
    start = 0 if old_size == 1 << shift else 1
    want = start + inner + border
    if len(proof) != want:
        raise VerificationError(
            f"the consistency proof from {old_size} to {new_size} entries has "
            f"{len(proof)} hashes, but it must have exactly {want}",
            failure=_CONSISTENCY, hint=_TAMPER_HINT, expected=want, found=len(proof))
    for i, p in enumerate(proof):
        _check_hash(p, f"hash {i} of the consistency proof", _CONSISTENCY)
    seed = bytes(old_root) if start == 0 else proof[0]
    rest = proof[start:]
    mask = (old_size - 1) >> shift  # chaining starts at level `shift`
    old = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if old != old_root:
        raise VerificationError(
            f"the consistency proof does not lead to the old root (size {old_size})",
            failure=_CONSISTENCY, hint=_TAMPER_HINT, expected=old_root.hex(), found=old.hex())
    new = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if new != new_root:
        raise VerificationError(
            f"the tree of {new_size} entries does not extend the one of {old_size}: "
            "the consistency proof leads to a different new root",
            failure=_CONSISTENCY, hint=_TAMPER_HINT, expected=new_root.hex(), found=new.hex())
