"""The audit log as a Merkle tree, RFC 9162 (Certificate Transparency 2.0) section 2.1: tree hash, inclusion and
consistency proofs, and their verification, as the RFC writes them.

A leaf is one audit event: its chain hash (32 bytes), which covers every field of the event and the previous
event's hash. The tree of the first ``n`` events has one root; a signed checkpoint of that root, kept by a second
party, lets anyone prove later that today's log still begins with those ``n`` events (a consistency proof) and
that a given event is in it (an inclusion proof) — a log rewritten consistently, every hash recomputed, no longer
matches the root.

>>> leaves = [leaf_hash(bytes([i])) for i in range(7)]
>>> root = tree_hash(leaves)
>>> verify_inclusion(3, 7, leaves[3], inclusion_proof(3, leaves), root)
True
>>> verify_consistency(3, 7, tree_hash(leaves[:3]), root, consistency_proof(3, leaves))
True
"""

import hashlib
from collections.abc import Sequence

EMPTY = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """HASH(0x00 || d): a leaf, domain-separated from interior nodes."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over already-hashed leaves (``leaf_hash`` of each entry), iteratively: O(n), no recursion."""
    if not leaves:
        return EMPTY
    # the perfect subtrees, largest first, then folded right to left: the same tree as the RFC's recursion
    stack: list[tuple[int, bytes]] = []  # (size, hash)
    for leaf in leaves:
        size, value = 1, leaf
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            size, value = size * 2, node_hash(left, value)
        stack.append((size, value))
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) (RFC 9162 2.1.3.1): the sibling hashes from leaf ``index`` up to the root."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    proof: list[bytes] = []
    lo, hi, m = 0, len(leaves), index
    frames: list[tuple[int, int, int]] = []
    while hi - lo > 1:
        k = split(hi - lo)
        frames.append((lo, hi, k))
        if m < k:
            hi = lo + k
        else:
            lo, m = lo + k, m - k
    for lo, hi, k in reversed(frames):  # the deepest sibling first
        proof.append(tree_hash(leaves[lo + k : hi]) if index - lo < k else tree_hash(leaves[lo : lo + k]))
    return proof


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show ``leaf`` at ``index`` in the tree of ``size`` whose root is ``root``?"""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) (RFC 9162 2.1.4.1): what shows the tree of the first ``first`` leaves is a prefix of
    this one."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ValueError(f"no consistency proof from {first} to {n} leaves")

    def sub(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if complete else [tree_hash(leaves[lo:hi])]
        k = split(hi - lo)
        if m <= k:
            return [*sub(m, lo, lo + k, complete), tree_hash(leaves[lo + k : hi])]
        return [*sub(m - k, lo + k, hi, False), tree_hash(leaves[lo : lo + k])]

    return sub(first, 0, n, True)


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:  # fmt: skip
    """RFC 9162 2.1.4.2: does ``proof`` show the tree of ``first`` leaves (``first_root``) to be a prefix of the
    tree of ``second`` leaves (``second_root``)?"""
    if first > second or first == 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the first tree is itself a node of the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def compact_range(leaves: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
    """The perfect subtrees the tree of these leaves is made of, left to right: (first leaf, size, hash). A
    checkpoint that keeps them lets a verifier say in which of them a rewritten log first differs."""
    found: list[tuple[int, int, bytes]] = []
    start, n = 0, len(leaves)
    while start < n:
        size = 1 << ((n - start).bit_length() - 1)
        found.append((start, size, tree_hash(leaves[start : start + size])))
        start += size
    return found
