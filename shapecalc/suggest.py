"""Did-you-mean suggestions for unknown names."""

__all__ = ["closest"]


def closest(name, candidates, n=3):
    """``"; did you mean a, b?"`` for the names closest to ``name``, or ``""`` when none is close."""
    import difflib

    candidates = list(dict.fromkeys(candidates))
    found = difflib.get_close_matches(str(name), candidates, n=n, cutoff=0.6)
    lowered = str(name).lower()
    for c in candidates:
        if len(found) < n and c not in found and (c.startswith(lowered) or lowered in c) and len(lowered) >= 3:
            found.append(c)
    return f"; did you mean {', '.join(found)}?" if found else ""
