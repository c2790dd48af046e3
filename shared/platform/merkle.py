"""A Merkle tree over the ledger's entries, as RFC 9162 (Certificate Transparency v2) section 2.1 defines it,
with inclusion proofs (this entry is in the tree of that size) and consistency proofs (the tree of the
earlier size is a prefix of the later one), and their verification.

A hash chain proves an entry against the whole log up to it; a Merkle tree proves it with O(log n) hashes,
and proves that a later checkpoint (a tree size and its root) only appended to an earlier one.

`root`, `inclusion_proof` and `consistency_proof` follow the RFC's recursive definitions over the entries'
bytes: the reference, O(n) per call. `MerkleTree` keeps the leaf hashes and every complete power-of-two
subtree hash, so roots and proofs for any size up to the current one cost O(log n) after an O(n) build.
The `verify_*` functions take untrusted input and answer False, never raise: hashes must be 32-byte `bytes`,
proofs a list or tuple of them, indices and sizes ints in [0, 2**64).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}), the root of the empty tree
_MAX_SIZE = 2**64  # tree sizes and indices are 64-bit in RFC 9162; larger ones are refused, not computed


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# The reference: RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 as written, over the entries' bytes.


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D_n), the Merkle Tree Hash of the entries."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(leaves[0])
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D_n): the audit path of entry `index` in the tree of all `leaves`, leaf level first."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"index {index} is not in a tree of size {len(leaves)}")
    return _path(leaves, index)


def _path(leaves: Sequence[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(leaves[:k], m), root(leaves[k:])]
    return [*_path(leaves[k:], m - k), root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D_n): that the tree of the first `old_size` entries is a prefix of the tree of all.

    The RFC defines it for 0 < old_size < n; for old_size 0 or n there is nothing to prove, and it is empty."""
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"size {old_size} is not an earlier size of a tree of size {n}")
    if old_size in (0, n):
        return []
    return _subproof(leaves, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves[:k], m, whole), root(leaves[k:])]
    return [*_subproof(leaves[k:], m - k, False), root(leaves[:k])]


# Verification: RFC 9162 2.1.3.2 and 2.1.4.2.


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_SIZE


def _is_proof(value: object) -> bool:
    return isinstance(value, list | tuple) and all(_is_hash(p) for p in value)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf with hash `leaf_hash` at `index` in the tree of `size` with `root`."""
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_size(index) and _is_size(size) and _is_proof(proof)):
        return False
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `old_size` with `old_root` to be a prefix of the one of `new_size`
    with `new_root`. Equal sizes need equal roots and an empty proof; the empty tree (whose root is
    `EMPTY_ROOT`) is a prefix of every tree, with an empty proof."""
    if not (_is_size(old_size) and _is_size(new_size) and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not _is_proof(proof) or old_size > new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree, not sent
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


class TreeView:
    """Roots and proofs of a tree whose complete, aligned subtree hashes `_node(level, index)` gives (level 0 the
    leaf hashes): any earlier size's root is the few complete subtrees that tile it, folded, since a subtree
    complete in an earlier tree is complete, with the same hash, in every later one."""

    size: int

    def _node(self, level: int, index: int) -> bytes:
        raise NotImplementedError

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (all of them if None)."""
        size = self._checked_size(size)
        return self._mth(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]), as `inclusion_proof` of the module gives it."""
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise ValueError(f"index {index} is not in a tree of size {size}")
        proof: list[bytes] = []  # root level first, reversed at the end
        start, n = 0, size
        while n > 1:
            k = _split(n)
            if index - start < k:
                proof.append(self._mth(start + k, n - k))
                n = k
            else:
                proof.append(self._mth(start, k))
                start, n = start + k, n - k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]), as `consistency_proof` of the module gives it."""
        new_size = self._checked_size(new_size)
        if not 0 <= old_size <= new_size:
            raise ValueError(f"size {old_size} is not an earlier size of a tree of size {new_size}")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []  # root level first, reversed at the end
        start, m, n, whole = 0, old_size, new_size, True
        while m != n:
            k = _split(n)
            if m <= k:
                proof.append(self._mth(start + k, n - k))
                n = k
            else:
                proof.append(self._mth(start, k))
                start, m, n, whole = start + k, m - k, n - k, False
        if not whole:
            proof.append(self._mth(start, n))
        proof.reverse()
        return proof

    def _checked_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is beyond the tree's {self.size} leaves")
        return size

    def _mth(self, start: int, n: int) -> bytes:
        """MTH(D[start:start+n]) for n >= 1 and start a multiple of the smallest power of two >= n, as every
        subtree of the RFC's recursion is: the complete subtrees of n's binary digits, largest first, folded
        from the right."""
        parts: list[bytes] = []
        for level in range(n.bit_length() - 1, -1, -1):
            if n >> level & 1:
                parts.append(self._node(level, start >> level))
                start += 1 << level
        return fold(parts)


def fold(parts: Sequence[bytes]) -> bytes:
    """The root over complete subtrees given largest (leftmost) first: folded from the right."""
    h = parts[-1]
    for part in reversed(parts[:-1]):
        h = node_hash(part, h)
    return h


class MerkleTree(TreeView):
    """The whole tree in memory: level k packs the hash of every complete, aligned subtree of 2**k leaves,
    32 bytes apiece, about 64 bytes per leaf. Appending costs one leaf plus the subtrees it completes, O(1)
    amortised. Not safe to share between threads.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """The tree over these entries' bytes (each hashed with `leaf_hash`)."""
        return cls(leaf_hash(data) for data in leaves)

    def __len__(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    @property
    def size(self) -> int:  # type: ignore[override]
        return len(self)

    def append(self, leaf_hash: bytes) -> int:
        """Add the next leaf's hash; its index."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
        index = len(self)
        self._levels[0] += leaf_hash
        level = 0
        while (count := len(self._levels[level]) // HASH_SIZE) % 2 == 0:  # the last two now make a parent
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            pair = self._levels[level][(count - 2) * HASH_SIZE :]
            self._levels[level + 1] += node_hash(bytes(pair[:HASH_SIZE]), bytes(pair[HASH_SIZE:]))
            level += 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < len(self):
            raise IndexError(f"no leaf {index} in a tree of size {len(self)}")
        return self._node(0, index)

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[level][offset : offset + HASH_SIZE])


Node = tuple[int, int]  # (level, index) of a complete, aligned subtree


class Frontier:
    """The right edge of a tree: the hashes of the complete subtrees that the binary digits of its size tile it
    with, largest first (at most 64). Enough to append and to give the root, in constant memory: what the
    ledger's writer holds to sign each checkpoint's root. `append` also names the subtrees each leaf completes,
    for a store that keeps every node to serve proofs."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if not _is_size(size) or len(hashes) != size.bit_count() or not all(_is_hash(h) for h in hashes):
            raise ValueError(f"a tree of size {size} has {size.bit_count()} subtrees on its right edge")
        self.size = size
        self.hashes = list(hashes)

    @staticmethod
    def edge(size: int) -> list[Node]:
        """The (level, index) of each subtree on the right edge of a tree of `size` leaves, largest first."""
        found, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                found.append((level, start >> level))
                start += 1 << level
        return found

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add the next leaf's hash; every subtree it completes as (level, index, hash), the leaf first."""
        index, h, level = self.size, leaf, 0
        made = [(0, index, leaf)]
        while index >> level & 1:  # a complete subtree of this level lies to the left: they make a parent
            h = node_hash(self.hashes.pop(), h)
            level += 1
            made.append((level, index >> level, h))
        self.hashes.append(h)
        self.size += 1
        return made

    def root(self) -> bytes:
        return fold(self.hashes) if self.hashes else EMPTY_ROOT

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)


T = TypeVar("T")


class _Asking(TreeView):
    def __init__(self, size: int) -> None:
        self.size = size
        self.asked: set[Node] = set()

    def _node(self, level: int, index: int) -> bytes:
        self.asked.add((level, index))
        return EMPTY_ROOT  # any 32 bytes: only which nodes are read matters on this pass


class _Given(TreeView):
    def __init__(self, size: int, nodes: Mapping[Node, bytes]) -> None:
        self.size = size
        self.nodes = nodes

    def _node(self, level: int, index: int) -> bytes:
        if (level, index) not in self.nodes:
            raise LookupError(f"the tree's store holds no subtree {index} of level {level}")
        return self.nodes[(level, index)]


def with_stored_nodes(
    size: int, fetch: Callable[[set[Node]], Mapping[Node, bytes]], compute: Callable[[TreeView], T]
) -> T:
    """`compute` over a tree of `size` leaves whose subtree hashes live in a store (a table): run once to learn
    which nodes it reads, then again over those nodes fetched in one go. LookupError when the store lacks one."""
    asking = _Asking(size)
    compute(asking)
    return compute(_Given(size, fetch(asking.asked)))
