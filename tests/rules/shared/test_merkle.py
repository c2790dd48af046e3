"""The Merkle tree of RFC 9162 section 2.1: the published answers of the reference tree, the incremental tree
agreeing with the RFC's recursive definitions at every size, every honest proof verifying, and every altered
proof, index, size, leaf or root, or hostile input, refused without raising."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.platform.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
    with_stored_nodes,
)

# The RFC 6962 reference tree of github.com/transparency-dev/merkle: LeafInputs, NodeHashes and RootHashes in
# testonly/constants.go; the inclusion and consistency proofs in testonly/reference_test.go
# (TestRefInclusionProof, TestRefConsistencyProof) and proof/verify_test.go (inclusionProofs,
# consistencyProofs, whose leaf numbers there count from 1).
LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
NODE_HASHES = [  # level, then position within the level
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
INCLUSION_VECTORS = [  # (index, size, proof)
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CONSISTENCY_VECTORS = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def hexes(proof: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in proof]


def flipped(proof: list[bytes], i: int, bit: int = 0) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ (1 << bit)]) + changed[i][1:]
    return changed


def path_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D_size) has: the shape of the RFC's recursion, no hashing."""
    length = 0
    while size > 1:
        k = 1 << ((size - 1).bit_length() - 1)
        index, size = (index, k) if index < k else (index - k, size - k)
        length += 1
    return length


def proof_length(old: int, new: int) -> int:
    """How many hashes PROOF(old, D_new) has, for 0 < old < new."""
    length, whole = 0, True
    while old != new:
        k = 1 << ((new - 1).bit_length() - 1)
        old, new, whole = (old, k, whole) if old <= k else (old - k, new - k, False)
        length += 1
    return length + (not whole)


# The reference tree's published answers.


def test_the_leaf_and_node_hashes_are_domain_separated_sha256():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == ROOTS[0]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_the_root_of_every_size_of_the_reference_tree(size):
    assert root(LEAVES[:size]) == ROOTS[size]
    assert MerkleTree.from_leaves(LEAVES).root(size) == ROOTS[size]
    assert MerkleTree.from_leaves(LEAVES[:size]).root() == ROOTS[size]


def test_every_complete_subtree_of_the_reference_tree():
    for level, hashes in enumerate(NODE_HASHES):
        for position, expected in enumerate(hashes):
            start = position << level
            assert root(LEAVES[start : start + (1 << level)]).hex() == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_the_reference_inclusion_proofs(index, size, proof):
    expected = hexes(proof)
    assert inclusion_proof(LEAVES[:size], index) == expected
    assert MerkleTree.from_leaves(LEAVES).inclusion_proof(index, size) == expected
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, expected, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_the_reference_consistency_proofs(old, new, proof):
    expected = hexes(proof)
    assert consistency_proof(LEAVES[:new], old) == expected
    assert MerkleTree.from_leaves(LEAVES).consistency_proof(old, new) == expected
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], expected)


@pytest.mark.parametrize(("index", "size", "proof"), [v for v in INCLUSION_VECTORS if v[2]])
def test_the_reference_inclusion_proofs_refuse_the_published_corruptions(index, size, proof):
    """The probes transparency-dev/merkle's proof/verify_test.go (corruptInclusionProof) puts to each proof."""
    good, r, leaf = hexes(proof), ROOTS[size], leaf_hash(LEAVES[index])
    probes = [
        (index - 1, size, r, leaf, good),
        (index + 1, size, r, leaf, good),
        (index ^ 2, size, r, leaf, good),
        (index, size * 2, r, leaf, good),
        (index, size // 2, r, leaf, good),
        (index, size, r, b"WrongLeaf", good),
        (index, size, EMPTY_ROOT, leaf, good),
        (index, size, SOME_HASH, leaf, good),
        (index, size, r, leaf, [*good, b""]),
        (index, size, r, leaf, [*good, r]),
        (index, size, r, leaf, [b"", *good]),
        (index, size, r, leaf, [r, *good]),
        (index, size, r, leaf, good[:-1]),
        *((index, size, r, leaf, flipped(good, i, 3)) for i in range(len(good))),
    ]
    if len(good) > 1:
        probes.append((index, size, r, leaf, [good[0], SOME_HASH, *good[1:]]))
    for i, s, probe_root, probe_leaf, probe_proof in probes:
        assert not verify_inclusion(probe_leaf, i, s, probe_proof, probe_root)


@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY_VECTORS if v[2]])
def test_the_reference_consistency_proofs_refuse_the_published_corruptions(old, new, proof):
    """The probes transparency-dev/merkle's proof/verify_test.go (corruptConsistencyProof) puts to each proof."""
    good, r1, r2 = hexes(proof), ROOTS[old], ROOTS[new]
    probes = [
        (old - 1, new, r1, r2, good),
        (old + 1, new, r1, r2, good),
        (old ^ 2, new, r1, r2, good),
        (old, new * 2, r1, r2, good),
        (old, new // 2, r1, r2, good),
        (old, new, b"WrongRoot", r2, good),
        (old, new, r1, b"WrongRoot", good),
        (old, new, r2, r1, good),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*good, b""]),
        (old, new, r1, r2, [*good, r1]),
        (old, new, r1, r2, [*good, r2]),
        (old, new, r1, r2, [b"", *good]),
        (old, new, r1, r2, [r1, *good]),
        (old, new, r1, r2, [r2, *good]),
        (old, new, r1, r2, [good[0], *good]),
        (old, new, r1, r2, good[:-1]),
        *((old, new, r1, r2, flipped(good, i, 4)) for i in range(len(good))),
    ]
    for s1, s2, probe_r1, probe_r2, probe_proof in probes:
        assert not verify_consistency(s1, s2, probe_r1, probe_r2, probe_proof)


# The incremental tree against the recursive definitions.

entries = st.lists(st.binary(max_size=4), max_size=70)
distinct_entries = st.lists(st.binary(max_size=4), min_size=1, max_size=70, unique=True)


@settings(max_examples=40, deadline=None)
@given(entries)
def test_the_tree_has_the_rfc_root_for_every_size(leaves):
    tree = MerkleTree.from_leaves(leaves)
    assert len(tree) == tree.size == len(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == root(leaves[:size])


@settings(max_examples=60, deadline=None)
@given(entries.filter(bool), st.data())
def test_the_tree_gives_the_rfc_inclusion_proof_and_it_verifies(leaves, data):
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = MerkleTree.from_leaves(leaves).inclusion_proof(index, size)
    assert proof == inclusion_proof(leaves[:size], index)
    assert len(proof) == path_length(index, size)
    assert verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root(leaves[:size]))


@settings(max_examples=60, deadline=None)
@given(entries, st.data())
def test_the_tree_gives_the_rfc_consistency_proof_and_it_verifies(leaves, data):
    new = data.draw(st.integers(0, len(leaves)), label="new")
    old = data.draw(st.integers(0, new), label="old")
    proof = MerkleTree.from_leaves(leaves).consistency_proof(old, new)
    assert proof == consistency_proof(leaves[:new], old)
    assert verify_consistency(old, new, root(leaves[:old]), root(leaves[:new]), proof)


def test_every_proof_of_every_earlier_size_agrees_and_verifies():
    leaves = [i.to_bytes(2, "big") for i in range(37)]
    tree = MerkleTree.from_leaves(leaves)
    roots = [root(leaves[:size]) for size in range(len(leaves) + 1)]
    for new in range(len(leaves) + 1):
        for index in range(new):
            proof = tree.inclusion_proof(index, new)
            assert proof == inclusion_proof(leaves[:new], index)
            assert verify_inclusion(tree.leaf_hash(index), index, new, proof, roots[new])
        for old in range(new + 1):
            proof = tree.consistency_proof(old, new)
            assert proof == consistency_proof(leaves[:new], old)
            assert verify_consistency(old, new, roots[old], roots[new], proof)


def test_a_deeper_tree_around_powers_of_two():
    leaves = [i.to_bytes(2, "big") for i in range(1030)]
    tree = MerkleTree.from_leaves(leaves)
    for size in (511, 512, 513, 1023, 1024, 1025, 1030):
        r = root(leaves[:size])
        assert tree.root(size) == r
        for index in {0, 1, size // 2, size - 2, size - 1}:
            proof = tree.inclusion_proof(index, size)
            assert proof == inclusion_proof(leaves[:size], index)
            assert verify_inclusion(leaf_hash(leaves[index]), index, size, proof, r)
        for old in (o for o in (1, 7, 256, 511, 512, size - 1) if o < size):
            proof = tree.consistency_proof(old, size)
            assert proof == consistency_proof(leaves[:size], old)
            assert verify_consistency(old, size, root(leaves[:old]), r, proof)


def test_growing_the_tree_leaves_earlier_answers_unchanged():
    tree = MerkleTree()
    assert tree.root() == EMPTY_ROOT and tree.consistency_proof(0) == []
    seen = []
    for i in range(50):
        assert tree.append(leaf_hash(bytes([i]))) == i
        seen.append((tree.root(), tree.inclusion_proof(i // 2), tree.consistency_proof(i // 3)))
    for i, (r, inclusion, consistency) in enumerate(seen):
        assert tree.root(i + 1) == r
        assert tree.inclusion_proof(i // 2, i + 1) == inclusion
        assert tree.consistency_proof(i // 3, i + 1) == consistency
    grown = MerkleTree([tree.leaf_hash(i) for i in range(20)])
    grown.extend(tree.leaf_hash(i) for i in range(20, 50))
    assert grown.root() == tree.root()


def test_asking_beyond_the_tree_is_an_error_not_an_answer():
    tree = MerkleTree.from_leaves([b"a", b"b", b"c"])
    for call in (
        lambda: tree.root(4),
        lambda: tree.root(-1),
        lambda: tree.inclusion_proof(3),
        lambda: tree.inclusion_proof(2, 2),
        lambda: tree.inclusion_proof(-1),
        lambda: tree.consistency_proof(4),
        lambda: tree.consistency_proof(3, 2),
        lambda: tree.append(b"\x00" * 31),
        lambda: inclusion_proof([b"a"], 1),
        lambda: inclusion_proof([], 0),
        lambda: consistency_proof([b"a"], 2),
        lambda: consistency_proof([b"a"], -1),
    ):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(IndexError):
        tree.leaf_hash(3)


# Anything altered is refused.


@settings(max_examples=60, deadline=None)
@given(distinct_entries, st.data())
def test_an_altered_inclusion_proof_index_size_leaf_or_root_is_refused(leaves, data):
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    tree = MerkleTree.from_leaves(leaves)
    proof, r, leaf = tree.inclusion_proof(index, size), tree.root(size), tree.leaf_hash(index)
    assert verify_inclusion(leaf, index, size, proof, r)
    for i in range(len(proof)):
        assert not verify_inclusion(leaf, index, size, flipped(proof, i, data.draw(st.integers(0, 7))), r)
    assert not verify_inclusion(leaf, index, size, [*proof, SOME_HASH], r)
    assert not verify_inclusion(leaf, index, size, [SOME_HASH, *proof], r)
    # A path carried on past the root, to the hash it then reaches, proves nothing about this tree.
    assert not verify_inclusion(leaf, index, size, [*proof, SOME_HASH], node_hash(SOME_HASH, r))
    assert not verify_inclusion(leaf, index, size, [*proof, SOME_HASH], node_hash(r, SOME_HASH))
    if proof:
        assert not verify_inclusion(leaf, index, size, proof[:-1], r)
        assert not verify_inclusion(leaf, index, size, proof[1:], r)
    for other in {index - 1, index + 1, index ^ 1, index ^ 2, 0, size - 1} - {index}:
        assert not verify_inclusion(leaf, other, size, proof, r)
    assert not verify_inclusion(leaf_hash(b"not an entry"), index, size, proof, r)
    if len(leaves) > 1:
        assert not verify_inclusion(tree.leaf_hash((index + 1) % len(leaves)), index, size, proof, r)
    for other_size in range(1, len(leaves) + 1):
        assert not verify_inclusion(leaf, index, size, proof, tree.root(other_size)) or other_size == size
        # The RFC's verifier binds a size through the proof's shape: a size with another path length fails.
        if index >= other_size or path_length(index, other_size) != len(proof):
            assert not verify_inclusion(leaf, index, other_size, proof, r)
    assert not verify_inclusion(leaf, index, size * 2, proof, r) or path_length(index, size * 2) == len(proof)


@settings(max_examples=60, deadline=None)
@given(distinct_entries.filter(lambda leaves: len(leaves) > 1), st.data())
def test_an_altered_consistency_proof_size_or_root_is_refused(leaves, data):
    new = data.draw(st.integers(2, len(leaves)), label="new")
    old = data.draw(st.integers(1, new - 1), label="old")
    tree = MerkleTree.from_leaves(leaves)
    proof, r1, r2 = tree.consistency_proof(old, new), tree.root(old), tree.root(new)
    assert verify_consistency(old, new, r1, r2, proof)
    for i in range(len(proof)):
        assert not verify_consistency(old, new, r1, r2, flipped(proof, i, data.draw(st.integers(0, 7))))
    assert not verify_consistency(old, new, r1, r2, [*proof, SOME_HASH])
    assert not verify_consistency(old, new, r1, r2, [SOME_HASH, *proof])
    past = [*proof, SOME_HASH]
    assert not verify_consistency(old, new, node_hash(SOME_HASH, r1), node_hash(SOME_HASH, r2), past)
    assert not verify_consistency(old, new, r1, node_hash(r2, SOME_HASH), past)
    assert not verify_consistency(old, new, r1, r2, proof[:-1])
    assert not verify_consistency(old, new, r1, r2, proof[1:])
    assert not verify_consistency(old, new, r2, r1, proof)
    assert not verify_consistency(old, new, r1, r1, proof)
    assert not verify_consistency(old, new, r2, r2, proof)
    assert not verify_consistency(new, old, r2, r1, proof)
    for other in range(len(leaves) + 1):
        if other != old:
            assert not verify_consistency(old, new, tree.root(other), r2, proof)
        if other != new:
            assert not verify_consistency(old, new, r1, tree.root(other), proof)
        # As for inclusion, a size is bound through the proof's shape.
        if other != old and (not 0 < other < new or proof_length(other, new) != len(proof)):
            assert not verify_consistency(other, new, r1, r2, proof)
        if other != new and (not old < other or proof_length(old, other) != len(proof)):
            assert not verify_consistency(old, other, r1, r2, proof)


def test_trivial_consistency_needs_the_right_roots_and_no_proof():
    r1, r3 = root(LEAVES[:1]), root(LEAVES[:3])
    assert verify_consistency(3, 3, r3, r3, [])
    assert not verify_consistency(3, 3, r3, r1, [])
    assert not verify_consistency(3, 3, r3, r3, [r3])
    assert verify_consistency(0, 3, EMPTY_ROOT, r3, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r1, [])
    assert not verify_consistency(0, 3, r1, r3, [])
    assert not verify_consistency(0, 3, EMPTY_ROOT, r3, [EMPTY_ROOT])
    assert not verify_consistency(1, 3, r1, r3, [])


# Hostile input is refused, never raised on.

junk = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | st.lists(st.binary(max_size=40) | st.text(max_size=4) | st.none() | st.integers(), max_size=5)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=3)
)


@settings(max_examples=150, deadline=None)
@given(junk, junk, junk, junk, junk)
def test_anything_at_all_gets_a_yes_or_no(a, b, c, d, e):
    assert isinstance(verify_inclusion(a, b, c, d, e), bool)
    assert isinstance(verify_consistency(a, b, c, d, e), bool)
    assert isinstance(verify_inclusion(leaf_hash(b""), 0, 1, a, EMPTY_ROOT), bool)
    assert isinstance(verify_consistency(1, 2, EMPTY_ROOT, SOME_HASH, a), bool)


def test_malformed_input_is_refused():
    leaf, r2 = leaf_hash(LEAVES[0]), ROOTS[2]
    good = inclusion_proof(LEAVES[:2], 0)
    assert verify_inclusion(leaf, 0, 2, good, r2)
    for index, size in [(2, 2), (5, 2), (0, 0), (-1, 2), (0, -2), (2**64, 2**64 + 1), (0, 2**64), (False, 2)]:
        assert not verify_inclusion(leaf, index, size, good, r2)
    for proof in [good[0], tuple(good[0]), None, [good[0][:31]], [good[0] + b"\x00"], [good[0].hex()], [None]]:
        assert not verify_inclusion(leaf, 0, 2, proof, r2)
    for bad in [leaf[:31], leaf + b"\x00", leaf.hex(), bytearray(leaf), None, b""]:
        assert not verify_inclusion(bad, 0, 2, good, r2)
        assert not verify_inclusion(leaf, 0, 2, good, bad)
    assert not verify_inclusion(leaf, 0, 2, [*good, *good * 100], r2)
    assert not verify_inclusion(leaf, 0, 2**63, [good[0]] * 1000, r2)

    r1, r8 = ROOTS[1], ROOTS[8]
    cons = consistency_proof(LEAVES, 1)
    assert verify_consistency(1, 8, r1, r8, cons)
    for old, new in [(8, 1), (-1, 8), (1, -8), (1, 2**64), (2**64, 2**64), (True, 8), (1, 8.0)]:
        assert not verify_consistency(old, new, r1, r8, cons)
    for bad in [r1[:31], r1 + b"\x00", r1.hex(), None, b""]:
        assert not verify_consistency(1, 8, bad, r8, cons)
        assert not verify_consistency(1, 8, r1, bad, cons)
    for proof in [cons[0], None, [c[:16] for c in cons], [*cons[:2], None], cons * 40, [cons[0]] * 1000]:
        assert not verify_consistency(1, 8, r1, r8, proof)
    assert not verify_consistency(1, 2**63, r1, r8, cons * 100)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=80), st.data())
def test_the_right_edge_gives_the_trees_root_and_every_node_it_completes(leaves, data):
    tree, edge, made = MerkleTree.from_leaves(leaves), Frontier(), {}
    for i, leaf in enumerate(leaves):
        for level, index, h in edge.append(leaf_hash(leaf)):
            made[(level, index)] = h
        assert edge.root() == tree.root(i + 1)
        assert Frontier(edge.size, edge.hashes).root() == edge.root()  # as a checkpoint stores and restores it
    assert made == {(level, index): tree._node(level, index) for level, index in made}
    assert len(made) == sum(len(leaves) >> level for level in range(len(leaves).bit_length()))  # every node, once
    if leaves:
        size = data.draw(st.integers(1, len(leaves)))
        index = data.draw(st.integers(0, size - 1))
        old = data.draw(st.integers(0, size))
        stored = {node: made[node] for node in made}

        def fetch(wanted):
            return {node: stored[node] for node in wanted if node in stored}

        assert with_stored_nodes(size, fetch, lambda t: t.inclusion_proof(index)) == tree.inclusion_proof(index, size)
        assert with_stored_nodes(size, fetch, lambda t: t.consistency_proof(old)) == tree.consistency_proof(old, size)
        assert with_stored_nodes(size, fetch, lambda t: t.root()) == tree.root(size)


def test_a_store_missing_a_node_is_named_not_guessed():
    tree = MerkleTree.from_leaves([b"a", b"b", b"c"])
    with pytest.raises(LookupError, match="level 1"):
        with_stored_nodes(3, lambda wanted: {(0, 2): tree._node(0, 2)}, lambda t: t.root())
    with pytest.raises(ValueError, match="subtrees on its right edge"):
        Frontier(3, [tree.root(2)])
