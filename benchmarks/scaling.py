"""A finished workflow run's wall time predicted on more (or fewer) cores, and its critical path.

    python benchmarks/scaling.py                         # the newest Snakemake log here
    python benchmarks/scaling.py --log .snakemake/log/<file>.snakemake.log --cores 1 2 4 8 16 64

The Snakemake log of a run holds every job it ran: its start and finish times
(to the second), threads, inputs and outputs. A job depends on the jobs whose
outputs it reads: that is the DAG ``snakemake --dag`` draws, restricted to the
jobs that ran. On P cores the jobs are scheduled greedily, each when its inputs
exist and its threads are free, longest remaining path first, with the
durations the log measured. The critical path (the longest chain of
dependent jobs) bounds the wall time on any number of cores. Jobs measured on
a loaded machine run slower than they would alone, so the prediction for many
cores from a 2-core run is an upper bound on what the jobs themselves need;
the scheduler's own pauses between jobs are not counted.
"""

from __future__ import annotations

import argparse
import datetime
import heapq
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


@dataclass
class Job:
    jobid: int
    rule: str
    wildcards: str = ""
    threads: int = 1
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    start: float | None = None
    finish: float | None = None

    @property
    def seconds(self) -> float:
        return self.finish - self.start

    @property
    def name(self) -> str:
        return f"{self.rule} {self.wildcards}".strip()


def _time(text: str) -> float:
    return datetime.datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y").timestamp()


def read_log(path: Path) -> list[Job]:
    """The jobs of a Snakemake log that started and finished (``all`` and other input-only rules left out)."""
    jobs: dict[int, Job] = {}
    now, current = None, None
    for line in path.read_text().splitlines():
        if match := STAMP.match(line):
            now = _time(match.group(1))
        elif re.match(r"^(local)?(rule|checkpoint) \S+:$", line):
            current = Job(jobid=-1, rule=line.split()[1].rstrip(":"))
            current.start = now
        elif current is not None and line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            if key == "jobid":
                current.jobid = int(value)
                jobs[current.jobid] = current
            elif key in ("input", "output"):
                getattr(current, key + "s").extend(v.strip() for v in value.split(", ") if v.strip())
            elif key == "wildcards":
                current.wildcards = value
            elif key == "threads":
                current.threads = int(value)
        elif match := re.match(r"^Finished jobid: (\d+)", line):
            current = None
            if int(match.group(1)) in jobs:
                jobs[int(match.group(1))].finish = now
        else:
            current = None if not line.startswith("    ") else current
    return [j for j in jobs.values() if j.finish is not None and j.start is not None and j.outputs]


def dependencies(jobs: list[Job]) -> dict[int, set[int]]:
    """{job: the jobs whose outputs it reads}."""
    made_by = {out: job.jobid for job in jobs for out in job.outputs}
    return {job.jobid: {made_by[i] for i in job.inputs if i in made_by} for job in jobs}


def tails(jobs: list[Job], needs: dict[int, set[int]]) -> dict[int, float]:
    """Each job's duration plus the longest chain of jobs that need it."""
    by_id = {j.jobid: j for j in jobs}
    users = {j.jobid: [] for j in jobs}
    for job, before in needs.items():
        for b in before:
            users[b].append(job)
    memo: dict[int, float] = {}

    def tail(jobid: int) -> float:
        if jobid not in memo:
            memo[jobid] = by_id[jobid].seconds + max((tail(u) for u in users[jobid]), default=0.0)
        return memo[jobid]

    sys.setrecursionlimit(max(1000, 4 * len(jobs)))
    for j in jobs:
        tail(j.jobid)
    return memo


def critical_path(jobs: list[Job], needs: dict[int, set[int]], tail: dict[int, float]) -> list[Job]:
    by_id = {j.jobid: j for j in jobs}
    users = {j.jobid: [k for k, before in needs.items() if j.jobid in before] for j in jobs}
    roots = [j for j in jobs if not needs[j.jobid]]
    path = [max(roots, key=lambda j: tail[j.jobid])]
    while users[path[-1].jobid]:
        path.append(by_id[max(users[path[-1].jobid], key=lambda k: tail[k])])
    return path


def simulate(jobs: list[Job], needs: dict[int, set[int]], tail: dict[int, float], cores: int) -> float:
    """Wall time of a greedy schedule on ``cores`` cores (a job takes min(threads, cores) of them)."""
    waiting = {j.jobid: set(needs[j.jobid]) for j in jobs}
    by_id = {j.jobid: j for j in jobs}
    ready = [(-tail[j], j) for j, before in waiting.items() if not before]
    heapq.heapify(ready)
    running: list[tuple[float, int]] = []
    now, free, done = 0.0, cores, 0
    while done < len(jobs):
        started = True
        while ready and started:
            started = False
            for _, jobid in sorted(ready):
                need = min(by_id[jobid].threads, cores)
                if need <= free:
                    ready.remove((-tail[jobid], jobid))
                    heapq.heapify(ready)
                    free -= need
                    heapq.heappush(running, (now + by_id[jobid].seconds, jobid))
                    started = True
                    break
        now, jobid = heapq.heappop(running)
        free += min(by_id[jobid].threads, cores)
        done += 1
        for other, before in waiting.items():
            if jobid in before:
                before.discard(jobid)
                if not before:
                    heapq.heappush(ready, (-tail[other], other))
    return now


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log", type=Path, help="a Snakemake log (default: the newest in .snakemake/log)")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2, 4, 8, 16, 64])
    args = parser.parse_args(argv)
    log = args.log or max(Path(".snakemake/log").glob("*.snakemake.log"), key=lambda p: p.stat().st_mtime)
    jobs = read_log(log)
    if not jobs:
        parser.error(f"{log}: no finished jobs in this log")
    needs = dependencies(jobs)
    tail = tails(jobs, needs)
    measured = max(j.finish for j in jobs) - min(j.start for j in jobs)
    total = sum(j.seconds * j.threads for j in jobs)
    print(f"{log.name}: {len(jobs)} jobs, {total:.0f} job-seconds, {measured:.0f} s from first start to last finish")
    print(f"{'cores':>5} {'predicted wall s':>16}")
    for cores in args.cores:
        print(f"{cores:>5} {simulate(jobs, needs, tail, cores):16.0f}")
    path = critical_path(jobs, needs, tail)
    print(f"critical path: {sum(j.seconds for j in path):.0f} s")
    for job in path:
        print(f"  {job.seconds:6.0f} s  {job.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
