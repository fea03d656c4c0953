"""Run loaders on hostile files in a child process under a memory cap and a time limit.

A regression then fails (MemoryError, "timeout") instead of taking the machine's memory or hanging CI.
The cap is an address-space limit (RLIMIT_AS) of the child's size after its imports plus a budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chainrule

RUNNER = r"""
import json, resource, signal, sys
import numpy as np
import chainrule as cr
from chainrule.data.errors import DataFormatError
from chainrule.data.idx import read_idx


class Deadline(BaseException):  # not an Exception: no loader's error handling may swallow it
    pass


def alarm(signum, frame):
    raise Deadline()


def address_space():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmSize")) * 1024


budget, seconds = int(sys.argv[1]), int(sys.argv[2])
cases = json.loads(sys.stdin.read())
signal.signal(signal.SIGALRM, alarm)
resource.setrlimit(resource.RLIMIT_AS, (address_space() + budget, resource.RLIM_INFINITY))
for kind, path in cases:
    signal.alarm(seconds)
    try:
        (cr.load if kind == "model" else read_idx)(path)
        outcome = ["loaded", ""]
    except (cr.ModelFileError, DataFormatError) as error:
        outcome = ["refused", str(error)[:500]]
    except MemoryError:
        outcome = ["MemoryError", ""]
    except Deadline:
        outcome = ["timeout", ""]
    except Exception as error:
        outcome = [type(error).__name__, str(error)[:500]]
    finally:
        signal.alarm(0)
    print(json.dumps(outcome), flush=True)
"""

SOURCE = str(Path(chainrule.__file__).resolve().parents[1])  # the chainrule these tests run with


def run_capped(cases: list[tuple[str, str]], budget_mib: int = 64, seconds: int = 10) -> list[tuple[str, str]]:
    """(outcome, message) for each (kind, path) case: kind "model" runs `cr.load`, "idx" runs `read_idx`.

    Outcomes: "loaded", "refused" (ModelFileError / DataFormatError), "MemoryError" (the cap was hit),
    "timeout" (the case ran past `seconds`), or the name of any other exception.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SOURCE, os.environ.get("PYTHONPATH", "")]),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", RUNNER, str(budget_mib << 20), str(seconds)],
                          input=json.dumps([[kind, str(path)] for kind, path in cases]), capture_output=True,
                          text=True, env=env, timeout=60 + seconds * len(cases))
    lines = done.stdout.splitlines()
    assert len(lines) == len(cases), f"the child stopped early:\n{done.stdout}\n{done.stderr[-2000:]}"
    return [tuple(json.loads(line)) for line in lines]
