"""Exercise ``08-new-view``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.pbft.messages import NULL_DIGEST, PrePrepare, PreparedCert, Signed, ViewChange
from dsworkbook.consensus.pbft.viewchange import compute_new_view
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 83
#: one view change as the learner gets it: (stable_seq, [(seq, view, digest), ...])
VC = tuple[int, list[tuple[int, int, str]]]


def _as_messages(view_changes: list[VC], new_view: int = 99) -> tuple[Signed, ...]:
    """The same view changes as the library's messages (unsigned: compute_new_view reads only the bodies)."""
    out = []
    for i, (stable, prepared) in enumerate(view_changes):
        certs = tuple(PreparedCert(Signed(PrePrepare(v, n, d, None, f"r{v}"), b""), ()) for n, v, d in prepared)
        out.append(Signed(ViewChange(new_view, stable, (), certs, f"r{i}"), b""))
    return tuple(out)


def reference(view_changes: list[VC]) -> tuple[int, int, dict[int, str]]:
    """The library's choice (Castro and Liskov §4.4), with the digests only."""
    min_s, max_s, chosen = compute_new_view(_as_messages(view_changes))
    return min_s, max_s, {n: d for n, (d, _) in chosen.items()}


def _hint(got: Any, expected: tuple[int, int, dict[int, str]], vcs: list[VC]) -> str:
    if not (isinstance(got, tuple) and len(got) == 3 and isinstance(got[2], dict)):
        return "return a tuple (min_s, max_s, chosen) with chosen a dict from sequence number to digest"
    min_s, max_s, chosen = expected
    if got[0] != min_s:
        return ("min-s is the latest stable checkpoint among the view changes (the highest stable_seq): 2f+1 "
                "replicas proved it stable, so nothing at or below it needs re-proposing")
    if got[1] != max_s:
        return ("max-s is the highest sequence number above min-s of any prepared certificate - min-s itself when "
                "there is none")
    if set(got[2]) != set(chosen):
        return ("choose a digest for every number n with min-s < n <= max-s - a null request (\"null\") where no "
                "certificate has n - and for no other number")
    for n in sorted(chosen):
        if got[2][n] != chosen[n]:
            if chosen[n] == NULL_DIGEST:
                return f'no view change has a certificate for {n}: it gets a null request, the digest "null"'
            return (f"for number {n} take the digest of the certificate with the highest view - not the most "
                    "frequent, the largest or the first one: a request committed in an earlier view was prepared "
                    "at f+1 honest replicas, and a higher view can only re-propose that same request")
    return "compare your chosen dict with the expected one"


def _hand() -> list[tuple[str, list[VC]]]:
    return [
        ("one certificate per number, no gaps", [(0, [(1, 0, "a1"), (2, 0, "b2")]), (0, [(1, 0, "a1")]), (0, [])]),
        ("number 2 prepared in view 0 and in view 2 (listed first)",
         [(0, [(2, 2, "c2"), (1, 0, "a1")]), (0, [(2, 0, "b2"), (1, 0, "a1")]), (0, [(2, 0, "b2")])]),
        ("number 2 prepared in view 2 (listed last) and view 0 by two replicas",
         [(0, [(2, 0, "z9")]), (0, [(2, 0, "z9")]), (0, [(2, 2, "a0")])]),
        ("views 9 and 10 (more digits)", [(0, [(1, 10, "a1")]), (0, [(1, 9, "ff")]), (0, [])]),
        ("a gap at 2 and 3", [(0, [(1, 0, "a1"), (4, 0, "d4")]), (0, []), (0, [(1, 0, "a1")])]),
        ("stable checkpoints at 4 and 8: min-s is 8",
         [(4, [(5, 0, "e5"), (9, 1, "i9")]), (8, [(10, 1, "j10")]), (8, [])]),
        ("every certificate at or below min-s", [(0, [(3, 0, "c3")]), (4, []), (4, [])]),
        ("no certificate at all", [(8, []), (8, []), (4, [])]),
        ("only empty logs from genesis", [(0, []), (0, []), (0, [])]),
        ("a long gap: 1 and 12", [(0, [(1, 1, "a1")]), (0, [(12, 1, "l12")]), (0, [])]),
    ]


def _draw(rng: random.Random) -> list[VC]:
    f = rng.choice((1, 1, 2, 2, 3, 5, 40))
    k = rng.choice((1, 2, 4, 5, 10, 100))
    top_view = rng.choice((1, 2, 3, 5, 12))
    digest = {}
    vcs = []
    for _ in range(2 * f + 1):
        stable = k * rng.choice((0, 0, 1, 1, 2, 3))
        prepared = []
        for n in range(stable + 1, stable + 2 * k + 1):
            if rng.random() < (0.5 if k < 50 else 0.05):
                v = rng.randrange(0, top_view)
                d = digest.setdefault((n, v), rng.choice((f"d{n}", f"e{n}", f"x{v}", "a0", "ff")))
                prepared.append((n, v, d))
        rng.shuffle(prepared)
        vcs.append((stable, prepared))
    rng.shuffle(vcs)
    return vcs


def _show(vcs: list[VC]) -> str:
    return "\n".join(f"view change {i}: stable_seq={s}, prepared={p}" for i, (s, p) in enumerate(vcs))


@exercise("08-new-view", title="The requests a NEW-VIEW re-proposes", theme="T08", concepts=("B02",),
          reference="dsworkbook.consensus.pbft.viewchange.compute_new_view")
def grade_new_view(new_view_requests: Any) -> str:
    """A function ``new_view_requests(view_changes)``: ``(min_s, max_s, chosen)`` where ``min_s`` is
    the highest stable checkpoint among the view changes, ``max_s`` the highest prepared number
    above it (else ``min_s``), and ``chosen`` maps every number in ``(min_s, max_s]`` to the digest
    of its highest-view certificate, or ``"null"``.

    Compared with :func:`~dsworkbook.consensus.pbft.viewchange.compute_new_view` on hand-made
    cases (the highest view listed first, last, with more digits, outvoted; gaps; everything at or
    below min-s; nothing prepared) and 400 random sets of 2f+1 view changes with f up to 40; run
    in two worlds with the digests hashed differently.
    """
    need_callable(new_view_requests, "function new_view_requests(view_changes)", allow_class=False)
    cases = _hand() + list(random_cases(RANDOM_SEED, 400, _draw))
    for case, vcs in cases:
        shown = _show(vcs)
        got = attempt(new_view_requests, [(s, list(p)) for s, p in vcs], input=shown, case=case)
        expected = reference(vcs)
        if got != expected:
            if isinstance(got, tuple) and len(got) == 3 and isinstance(got[2], dict) and len(got[2]) > 10 * (
                    len(expected[2]) + 10):
                fail(case=case, input=shown, expected=expected, got=f"a dict of {len(got[2]):,} numbers",
                     hint="choose only the numbers from min-s + 1 to max-s")
            fail(case=case, input=shown, expected=expected, got=got, hint=_hint(got, expected, vcs))
    case, vcs = cases[1]
    same_everywhere(new_view_requests, [(s, list(p)) for s, p in vcs], input=_show(vcs), case=f"{case}, in two worlds",
                    salt_text=True)
    return (f"the same choice as PBFT's new view on {len(_hand())} hand-made sets (highest view first, last, "
            "with more digits; gaps; nothing above min-s) and 400 random ones with f up to 40; the same in two worlds")
