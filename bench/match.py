"""Benchmark of the matching engine on generated (seeded) programmes.

Usage::

    .venv/bin/python bench/match.py                  # 100,1000,2000,4000,10000
    .venv/bin/python bench/match.py --sizes 100,1000
    .venv/bin/python bench/match.py --sizes 4000 --dense-max 4000

For each size (people per side) it runs ``propose`` (default "auto"
method), the exact dense optimum up to ``--dense-max`` and the greedy
baseline, each in a forked child process so that peak memory (growth of the
child's resident set) is measured per run; wall and CPU seconds are both
shown because the CPU column is less sensitive to other load on the
machine. Every pair is re-checked by an independent plain-Python checker
written here (not the library's code); the exit code is 1 on any violation.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.matching import Candidate, Proposal, Rules, Weights, propose, propose_greedy

T = TypeVar("T")

TOPICS = [
    "ai",
    "data",
    "cloud",
    "cybersecurity",
    "social-media",
    "genz-culture",
    "remote-work",
    "agile",
    "ux",
    "sustainability",
    "diversity",
    "no-code",
    "devops",
    "mobile",
    "gaming",
    "crypto",
    "podcasts",
    "ecommerce",
    "automation",
    "wellbeing",
]
DEPARTMENTS = [
    "finance",
    "hr",
    "it",
    "marketing",
    "sales",
    "legal",
    "ops",
    "rnd",
    "supply",
    "comms",
    "risk",
    "strategy",
]
# (utc offset minutes, share of the workforce)
ZONES = [(60, 0.6), (0, 0.1), (-300, 0.15), (480, 0.08), (240, 0.07)]
HOURS = [((9, 17), 0.75), ((8, 16), 0.15), ((10, 18), 0.1)]
LANGS = [(frozenset({"fr"}), 0.4), (frozenset({"en"}), 0.15), (frozenset({"fr", "en"}), 0.45)]
FREQS = [("weekly", 0.3), ("biweekly", 0.5), ("monthly", 0.2)]


def _pick(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _topics(rng: random.Random, lo: int, hi: int) -> frozenset[str]:
    # Zipf-like popularity: "ai" and "data" are wanted by many, so mentors
    # sharing them are contested, which is where optimal beats greedy.
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(TOPICS))]
    chosen: set[str] = set()
    target = rng.randint(lo, hi)
    while len(chosen) < target:
        chosen.add(rng.choices(TOPICS, weights=weights)[0])
    return frozenset(chosen)


def generate(n: int, seed: int) -> tuple[list[Candidate], list[Candidate], Rules]:
    """A realistic reverse-mentoring round with ``n`` people per side."""
    rng = random.Random(seed)
    mentees: list[Candidate] = []
    mentors: list[Candidate] = []
    managers: dict[str, str] = {}
    # Senior pool (mentees): executives (6) head departments, seniority 5
    # report to a 6, seniority 4 to a 5, within the same department.
    by_level: dict[tuple[str, int], list[str]] = {}
    next_id = 1
    for k in range(n):
        dept = rng.choice(DEPARTMENTS)
        sen = _pick(rng, [(6, 0.1), (5, 0.3), (4, 0.6)])
        key = f"s{k}"
        bosses = by_level.get((dept, sen + 1), [])
        if bosses:
            managers[key] = rng.choice(bosses)
        by_level.setdefault((dept, sen), []).append(key)
        mentees.append(_person(rng, next_id, key, "mentee", 1, sen, dept, managers.get(key)))
        next_id += 1
    # Junior pool (mentors): report to a team lead (not enrolled) who
    # reports to a seniority-4 mentee of the same department, so the
    # reporting-line rule spans two levels.
    for k in range(n):
        dept = rng.choice(DEPARTMENTS)
        sen = _pick(rng, [(1, 0.5), (2, 0.35), (3, 0.15)])
        key = f"j{k}"
        lead = f"lead-{dept}-{k % 25}"
        managers[key] = lead
        heads = by_level.get((dept, 4)) or by_level.get((dept, 5)) or []
        if heads and lead not in managers:
            managers[lead] = heads[(k * 7) % len(heads)]
        cap = _pick(rng, [(1, 0.5), (2, 0.35), (3, 0.15)])
        mentors.append(_person(rng, next_id, key, "mentor", cap, sen, dept, lead))
        next_id += 1
    # Earlier pairs within the repeat window plus some admin exclusions.
    forbidden = {(f"j{rng.randrange(n)}", f"s{rng.randrange(n)}") for _ in range(max(1, n // 5))}
    rules = Rules(
        kind="reverse",
        seniority_gap=2,
        separate_departments=True,
        forbidden=frozenset(forbidden),
        managers=managers,
        priority_tracks=frozenset({"womens-leadership"}),
        weights=Weights(),
        seed=seed,
        max_capacity=3,
    )
    return mentors, mentees, rules


def _person(
    rng: random.Random,
    cid: int,
    key: str,
    role: str,
    cap: int,
    sen: int,
    dept: str,
    manager: str | None,
) -> Candidate:
    hours = _pick(rng, HOURS)
    tracks: set[str] = set()
    if rng.random() < 0.12:
        tracks.add("womens-leadership")
    if rng.random() < 0.06:
        tracks.add("new-managers")
    return Candidate(
        id=cid,
        person_key=key,
        role="mentor" if role == "mentor" else "mentee",
        capacity=cap,
        seniority=sen,
        department=None if rng.random() < 0.04 else dept,
        topics=_topics(rng, 2, 6) if role == "mentor" else _topics(rng, 1, 4),
        languages=_pick(rng, LANGS),
        utc_offset_minutes=_pick(rng, ZONES),
        work_start_hour=hours[0],
        work_end_hour=hours[1],
        frequency=_pick(rng, FREQS),
        manager_key=manager,
        tracks=frozenset(tracks),
    )


# --- independent checker -------------------------------------------------


def _chain(person: str, managers: Mapping[str, str], extra: Mapping[str, str]) -> set[str]:
    seen: set[str] = set()
    frontier = [person]
    while frontier:
        p = frontier.pop()
        for boss in (managers.get(p), extra.get(p)):
            if boss is not None and boss not in seen and boss != person:
                seen.add(boss)
                frontier.append(boss)
    return seen


def count_violations(
    mentors: list[Candidate], mentees: list[Candidate], rules: Rules, proposal: Proposal
) -> int:
    """Number of pairs (or capacity / uniqueness breaches) that break a hard rule."""
    by_mentor = {c.id: c for c in mentors}
    by_mentee = {c.id: c for c in mentees}
    extra = {c.person_key: c.manager_key for c in (*mentors, *mentees) if c.manager_key}
    bad = 0
    load: dict[int, int] = {}
    seen_mentees: set[int] = set()
    for p in proposal.pairs:
        m, e = by_mentor.get(p.mentor_id), by_mentee.get(p.mentee_id)
        if m is None or e is None:
            bad += 1
            continue
        load[m.id] = load.get(m.id, 0) + 1
        if e.id in seen_mentees:
            bad += 1
        seen_mentees.add(e.id)
        ok = m.person_key != e.person_key
        if rules.kind == "reverse":
            ok &= m.seniority + rules.seniority_gap <= e.seniority
        else:
            ok &= m.seniority >= e.seniority + rules.seniority_gap
        if rules.separate_departments and m.department is not None:
            ok &= m.department != e.department
        ok &= (m.person_key, e.person_key) not in rules.forbidden
        ok &= e.person_key not in _chain(m.person_key, rules.managers, extra)
        ok &= m.person_key not in _chain(e.person_key, rules.managers, extra)
        bad += not ok
    for mid, n in load.items():
        bad += n > min(by_mentor[mid].capacity, rules.max_capacity)
    return bad


# --- runner --------------------------------------------------------------


def _rss_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _child(
    conn: Connection,
    fn: Callable[[list[Candidate], list[Candidate], Rules], Proposal],
    mentors: list[Candidate],
    mentees: list[Candidate],
    rules: Rules,
) -> None:
    base = _rss_kb("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    proposal = fn(mentors, mentees, rules)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = max(_rss_kb("VmHWM") - base, 0) / 1024
    violations = count_violations(mentors, mentees, rules, proposal)
    conn.send(
        (proposal.method, seconds, cpu, proposal.total_score, len(proposal.pairs), violations, peak)
    )
    conn.close()


def run(
    fn: Callable[[list[Candidate], list[Candidate], Rules], Proposal],
    data: tuple[list[Candidate], list[Candidate], Rules],
) -> tuple[str, float, float, float, int, int, float]:
    """Run one solver in a forked child (own peak memory); return its measurements."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, *data))
    proc.start()
    child.close()
    result: tuple[str, float, float, float, int, int, float] = parent.recv()
    proc.join()
    return result


def _dense(mentors: list[Candidate], mentees: list[Candidate], rules: Rules) -> Proposal:
    return propose(mentors, mentees, rules, method="dense")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the benchmark table; return a non-zero code on any violation."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100,1000,2000,4000,10000", help="people per side, comma-separated"
    )
    parser.add_argument(
        "--dense-max", type=int, default=2000, help="largest size solved by the dense optimum"
    )
    parser.add_argument(
        "--greedy-max", type=int, default=10000, help="largest size solved by greedy"
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    header = (
        f"{'size':>6} {'solver':<22} {'wall s':>7} {'cpu s':>7} {'total score':>12} "
        f"{'% of opt':>9} {'pairs':>6} {'violations':>10} {'peak MB':>8}"
    )
    print(f"cpus={os.cpu_count()} seed={args.seed} load average={os.getloadavg()}")
    print(header)
    print("-" * len(header))
    failures = 0
    for n in sizes:
        data = generate(n, args.seed + n)
        runs: list[tuple[str, Callable[[list[Candidate], list[Candidate], Rules], Proposal]]]
        runs = [("propose", propose)]
        if n <= args.dense_max:
            runs.append(("dense optimum", _dense))
        if n <= args.greedy_max:
            runs.append(("greedy", propose_greedy))
        rows = [(name, *run(fn, data)) for name, fn in runs]
        dense = next((r[4] for r in rows if r[0] == "dense optimum"), None)
        # Without a dense optimum, compare with propose's result, which is
        # exact when its pricing rounds converged (they do on these rounds).
        reference, mark = (dense, " ") if dense is not None else (rows[0][4], "*")
        for name, method, seconds, cpu, total, pairs, violations, peak in rows:
            label = f"{name} ({method})" if name == "propose" else name
            pct = f"{100 * total / reference:7.3f}%{mark}" if reference else f"{'n/a':>9}"
            print(
                f"{n:>6} {label:<22} {seconds:7.3f} {cpu:7.3f} {total:12.3f} {pct} "
                f"{pairs:>6} {violations:>10} {peak:8.1f}",
                flush=True,
            )
            failures += violations
    if any(n > args.dense_max for n in sizes):
        print("* relative to propose (no dense optimum at that size)")
    print(f"load average at the end={os.getloadavg()}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
