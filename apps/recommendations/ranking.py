"""Blend stored neighbours into one ranked list (pure functions, no database).

"For you" sums, over the shopper's seeds (products bought or viewed), each neighbour's
similarity times the seed's weight: recent purchases count most, views less, and products
reached from several seeds rise to the top. The storefront and ``bench/recs_eval.py`` both
rank through ``blend``.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

# How much a seed's neighbours of each kind count, by how the seed was met.
PURCHASE_KIND_WEIGHTS = {"bought_by_same": 1.0, "bought_together": 0.7, "viewed_together": 0.3}
VIEW_KIND_WEIGHTS = {"viewed_together": 0.6, "bought_by_same": 0.3, "bought_together": 0.3}
RECENCY_DECAY = 0.9  # the n-th most recent seed weighs 0.9ⁿ
VIEW_WEIGHT = 0.5

NeighbourLists = Mapping[int, Mapping[str, Sequence[tuple[int, float]]]]


def seed_weights(
    *, purchased: Sequence[int], viewed: Sequence[int]
) -> list[tuple[int, Mapping[str, float]]]:
    """(seed, weight per neighbour kind) for products bought and viewed, most recent first."""
    seeds: list[tuple[int, Mapping[str, float]]] = []
    for position, product_id in enumerate(purchased):
        decay = RECENCY_DECAY**position
        seeds.append((product_id, {k: w * decay for k, w in PURCHASE_KIND_WEIGHTS.items()}))
    for position, product_id in enumerate(viewed):
        decay = VIEW_WEIGHT * RECENCY_DECAY**position
        seeds.append((product_id, {k: w * decay for k, w in VIEW_KIND_WEIGHTS.items()}))
    return seeds


def blend(
    *,
    seeds: Iterable[tuple[int, Mapping[str, float]]],
    neighbours: NeighbourLists,
    exclude: Collection[int],
    limit: int,
) -> list[int]:
    """Product ids ranked by weighted neighbour score, without ``exclude``; ties by id."""
    scores: dict[int, float] = defaultdict(float)
    for seed, kind_weights in seeds:
        for kind, weight in kind_weights.items():
            for product_id, score in neighbours.get(seed, {}).get(kind, ()):
                if product_id not in exclude:
                    scores[product_id] += weight * score
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [product_id for product_id, _ in ranked[:limit]]


def distinct(ids: Iterable[int], *, limit: int | None = None) -> list[int]:
    """Ids in first-seen order without repeats."""
    seen: dict[int, None] = {}
    for product_id in ids:
        if product_id is not None and product_id not in seen:
            seen[product_id] = None
            if limit is not None and len(seen) >= limit:
                break
    return list(seen)
