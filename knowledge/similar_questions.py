"""Questions asked in other words fall together: character-bigram overlap, the
rule behind `assistant unanswered --grouped` and the console's gaps page."""

from __future__ import annotations

SIMILAR = 0.4  # overlap (shared bigrams / the shorter question's bigrams) at which two questions count as one


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {"".join(chars[i : i + 2]) for i in range(len(chars) - 1)} or set(chars)


def cluster(texts: list[str], threshold: float = SIMILAR) -> list[list[int]]:
    """Indices of ``texts`` grouped: each joins the first group whose first question it overlaps enough."""
    groups: list[tuple[set[str], list[int]]] = []
    for n, text in enumerate(texts):
        keys = bigrams(text)
        for first, members in groups:
            if len(first & keys) / (min(len(first), len(keys)) or 1) >= threshold:
                members.append(n)
                break
        else:
            groups.append((keys, [n]))
    return [members for _, members in groups]
