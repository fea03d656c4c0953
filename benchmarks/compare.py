"""Before and after: chainrule of another revision timed against the working tree's, in one run.

    python benchmarks/run.py --before c0e15ca --workloads cnn,lstm
    python benchmarks/run.py --before ../other-checkout      # a directory holding src/chainrule

Two versions of the chainrule package cannot share a process, so each lives in a
worker of its own (this file run as `compare.py serve`, PYTHONPATH starting at that
version's src/). Both workers run the *current* benchmarks/workloads code: only the
chainrule package differs. A git revision is exported with `git archive` into a
temporary directory, removed at the end.

The parent drives the workers over stdin/stdout, one JSON object a line: "build
workload W's steps for these frameworks and warm them up", then "run k steps of X,
reply with each step's ms". It waits for every reply before the next request, so the
two workers never run at the same time; the rounds go chainrule before, chainrule
after, NumPy, PyTorch, reversed every other round, so that drift of the machine hits
both versions alike. NumPy and PyTorch do not depend on chainrule: they run once, in
the "after" worker, and both versions' ratios divide by the same medians.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Iterator

import run

REPO = run.HERE.parent
AFTER_SRC = REPO / "src"


@contextlib.contextmanager
def exported(ref: str) -> Iterator[tuple[Path, dict]]:
    """The src/ directory of chainrule at `ref`, and a description of it for the JSON header.

    `ref` is a checkout's directory holding src/chainrule (used as it is), or a git revision of
    this repository, exported into a temporary directory that is removed when the block ends.
    """
    checkout = Path(ref).expanduser()
    if (checkout / "src" / "chainrule").is_dir():
        yield (checkout / "src").resolve(), {"ref": ref, "path": str(checkout.resolve())}
        return
    found = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"--before expected a git revision of {REPO} or a directory holding src/chainrule, "
                         f"got {ref!r}")
    commit = found.stdout.strip()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit, "src"], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"--before {ref}: commit {commit[:12]} has no src/ to export "
                         f"({archive.stderr.decode().strip()})")
    with tempfile.TemporaryDirectory(prefix="chainrule-before-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "src", {"ref": ref, "commit": commit}


class Worker:
    """A `compare.py serve` process whose chainrule comes from `src`; `ask` sends a request, returns the reply."""

    def __init__(self, src: Path) -> None:
        self.src = src
        # The thread variables set_threads put in os.environ reach the child before it imports NumPy.
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "serve"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=run.with_chainrule(src))

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()
        if not reply:
            raise RuntimeError(f"the benchmark worker with chainrule from {self.src} exited "
                               f"(status {self.process.wait()}) on {request}")
        return json.loads(reply)

    def run(self, framework: str, count: int) -> list[float]:
        reply = self.ask(run=framework, count=count)
        if "error" in reply:
            raise RuntimeError(f"{framework} with chainrule from {self.src} failed mid-run: {reply['error']}")
        return reply["ms"]

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()  # end of input: the worker's loop ends
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def compare(names: list[str], frameworks: list[str], header: dict,
            args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    """Time each workload's chainrule of `args.before` and of the working tree; print and return the records
    (see run.report) and the notes for the table (workloads the old version could not run)."""
    rows, notes = [], []
    with contextlib.ExitStack() as stack:
        before_src, header["before"] = stack.enter_context(exported(args.before))
        print(json.dumps(header), flush=True)
        notes.append(f"Before: chainrule of {args.before} ({header['before'].get('commit', before_src)}); "
                     f"after: the working tree's ({AFTER_SRC}).")
        workers = {"chainrule before": stack.enter_context(Worker(before_src)),
                   "chainrule after": stack.enter_context(Worker(AFTER_SRC))}
        srcs = {label: worker.src for label, worker in workers.items()}
        for name in names:
            load = {"load": name, "steps": args.steps, "threads": args.threads}
            built = {"chainrule before": workers["chainrule before"].ask(frameworks=["chainrule"], **load),
                     "chainrule after": workers["chainrule after"].ask(frameworks=frameworks, **load)}
            if "error" in built["chainrule after"]:
                raise RuntimeError(f"{name} with the working tree's chainrule: {built['chainrule after']['error']}")
            runs = {label: functools.partial(worker.run, "chainrule") for label, worker in workers.items()}
            if "error" in built["chainrule before"]:
                reason = built.pop("chainrule before")["error"]
                del runs["chainrule before"]
                rows.append({"workload": name, "framework": "chainrule", "version": "before", "skipped": reason})
                print(json.dumps(rows[-1]), flush=True)
                notes.append(f"{name}: chainrule of {args.before} skipped: {reason}")
            runs.update({fw: functools.partial(workers["chainrule after"].run, fw) for fw in frameworks[1:]})
            times = run.time_rounds(runs, args.steps, args.rounds, alternate=True)
            rows += run.report(name, times, args, details=built, srcs=srcs)
    return rows, notes


def serve() -> None:
    """The worker: one request a line on stdin, one reply a line on the stdout it was started with."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a workload prints goes to stderr, never into the replies
    steps: dict = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "load" in request:
                steps.clear()
                module = run.load_workload(request["load"])
                module.check()  # this version's gradients equal the hand-written NumPy's
                steps.update(run.build_steps(module, request["frameworks"], request["steps"], request["threads"]))
                import chainrule

                reply = {"pid": os.getpid(), "chainrule_file": chainrule.__file__}
            else:
                reply = {"ms": run.timed(steps[request["run"]], request["count"])}
        except Exception as error:  # reported to the parent: an old version may lack what a workload needs
            first = next((text for text in str(error).splitlines() if text.strip()), "")
            reply = {"error": f"{type(error).__name__}: {first}" if first else type(error).__name__}
        print(json.dumps(reply), file=replies, flush=True)


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    serve()
