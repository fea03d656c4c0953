"""Data-parallel training on MPI: N ranks train like one process with N times the batch.

The mathematics (docs/guide/09-data-parallelism.md derives it): the loss of a
batch B of m samples is a mean, L = (1/m)·Σ_{i∈B} ℓ_i. Split B into disjoint
shards B_r of m_r samples, one per rank; then

    L = Σ_r L_r   with   L_r = (m_r/m)·(1/m_r)·Σ_{i∈B_r} ℓ_i,      so   ∂L/∂θ = Σ_r ∂L_r/∂θ.

Each rank back-propagates its shard's mean loss seeded with m_r/m instead of 1,
and an all-reduce (a sum over ranks that leaves the result on every rank) gives
every rank ∂L/∂θ of the whole batch — also for a last batch that does not divide
evenly, and for a rank whose shard is empty (it adds zeros). The ranks then take
the same optimizer step from the same weights, so they stay identical; rank 0
alone prints, writes checkpoints and saves models.

`Communicator` is one process (every hook does nothing): the Trainer's default
outside MPI. `MPICommunicator` does the work with mpi4py; `world()` picks one
from how the process was launched (`chainrule.launch`). The gradients travel in
a few contiguous buckets (grouped by dtype, at most `bucket_bytes` each),
reduced in place: one MPI call per bucket, never one per parameter.

>>> comm = Communicator()
>>> comm.rank, comm.size, comm.is_root
(0, 1, True)
>>> [Communicator.bounds_of(10, rank, 4) for rank in range(4)]
[(0, 3), (3, 6), (6, 8), (8, 10)]
"""

from __future__ import annotations

import functools
import math
import pickle
import sys
import traceback
from typing import Any, Callable, Iterator

import numpy as np

from chainrule.launch import launched_rank_and_size
from chainrule.tensor import Tensor

DEFAULT_BUCKET_BYTES = 4 * 2**20  # 4 MiB: the MNIST MLPs travel in one bucket, big models in several


class Communicator:
    """One process: shards are the whole batch and every reduction is the identity."""

    rank = 0
    size = 1
    _synchronised = False  # the network has BatchNorm(sync=True) layers: every rank needs rows

    @property
    def is_root(self) -> bool:
        """Rank 0: the one that prints, writes checkpoints and saves models."""
        return self.rank == 0

    @staticmethod
    def bounds_of(n: int, rank: int, size: int) -> tuple[int, int]:
        """[start, stop) of `rank`'s contiguous part of n items: sizes differ by at most one, larger first."""
        base, extra = divmod(n, size)
        start = rank * base + min(rank, extra)
        return start, start + base + (rank < extra)

    def shard(self, rows: np.ndarray) -> tuple[np.ndarray, float]:
        """This rank's rows of a global batch, and their share m_r/m of it (to seed backward with)."""
        if len(rows) < self.size and self._synchronised:
            raise ValueError(f"a batch of {len(rows)} row(s) leaves a rank of {self.size} without rows, which "
                             "BatchNorm(sync=True) cannot train on: choose a batch_size for which the last batch "
                             "of an epoch has no rows or at least one per rank")
        start, stop = self.bounds_of(len(rows), self.rank, self.size)
        return rows[start:stop], (stop - start) / len(rows)

    def build(self, net: Any, sample: np.ndarray) -> None:
        """Create a lazily built network's weights before they are broadcast (nothing to do alone)."""

    def on_root(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` run on rank 0, its result sent to every rank; an error it raises is raised on all."""
        return function(*args)

    def broadcast_start(self, net: Any, optimizer: Any) -> None:
        """Give every rank rank 0's weights, buffers, optimizer state and random generators."""

    def reduce_gradients(self, params: list[Tensor], loss: float) -> float:
        """Sum every parameter's gradient (and the shards' loss terms) over the ranks; return the loss."""
        return loss

    def evaluate(self, net: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """`net.evaluate` on the whole set (each rank scoring its part, summed)."""
        return net.evaluate(X, y)


class MPICommunicator(Communicator):
    """The ranks of an MPI communicator (default: every process of the job), through mpi4py.

    Creating one installs an exception hook: an uncaught error on any rank prints
    the rank and the error, then aborts the job, instead of leaving the other
    ranks waiting for it forever in their next all-reduce.
    """

    def __init__(self, comm: Any = None, bucket_bytes: int = DEFAULT_BUCKET_BYTES) -> None:
        self.MPI = import_mpi()
        self.comm = self.MPI.COMM_WORLD if comm is None else comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        if not isinstance(bucket_bytes, int) or bucket_bytes <= 0:
            raise ValueError(f"bucket_bytes must be a positive integer, got {bucket_bytes!r}")
        self.bucket_bytes = bucket_bytes
        self._plan_key: tuple = ()
        self._buckets: list[tuple[list[Tensor], np.ndarray]] = []
        previous = sys.excepthook

        def abort_on_uncaught(kind, error, trace):
            if issubclass(kind, KeyboardInterrupt):
                return previous(kind, error, trace)
            self.abort(error)

        sys.excepthook = abort_on_uncaught

    def __repr__(self) -> str:
        return f"MPICommunicator(rank {self.rank} of {self.size})"

    # ----------------------------------------------------------------- starting
    def build(self, net: Any, sample: np.ndarray) -> None:
        net.predict(sample[:1])  # evaluation mode: weights drawn as the first step would, no dropout drawn
        synchronised = [layer for layer in net.all_layers() if getattr(layer, "sync", False)]
        for layer in synchronised:
            layer.reduce = self.sum_in_place
        self._synchronised = bool(synchronised)

    def sum_in_place(self, array: np.ndarray) -> None:
        """Replace `array` by its sum over the ranks (BatchNorm(sync=True) asks for its statistics)."""
        self.comm.Allreduce(self.MPI.IN_PLACE, array, op=self.MPI.SUM)

    def on_root(self, function: Callable[..., Any], *args: Any) -> Any:
        result, error = None, None
        if self.is_root:
            try:
                result = function(*args)
            except Exception as caught:  # sent to every rank, raised there too
                error = caught
        sent, result = self.comm.bcast((_picklable(error), result), root=0)
        if error is not None:
            raise error
        if sent is not None:
            raise sent
        return result

    def broadcast_start(self, net: Any, optimizer: Any) -> None:
        payload = None
        if self.is_root:
            rngs = {name: layer._rng.bit_generator.state for name, layer in net.named_layers() if layer._rng is not None}
            payload = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "rngs": rngs}
        payload = self.comm.bcast(payload, root=0)
        if self.is_root:
            return
        net.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        layers = dict(net.named_layers())
        for name, rng_state in payload["rngs"].items():
            # Rank r's dropout masks: its own stream, derived from rank 0's generator and r (not r copies of one).
            source = np.random.default_rng()
            source.bit_generator.state = rng_state
            words = source.integers(0, 2**32, size=4, dtype=np.uint64)
            layers[name]._rng = np.random.default_rng(np.random.SeedSequence([int(w) for w in words] + [self.rank]))

    # ----------------------------------------------------------------- each step
    def reduce_gradients(self, params: list[Tensor], loss: float) -> float:
        MPI = self.MPI
        # One small reduction first: the loss terms, and which parameters got a gradient on some rank.
        head = np.empty(1 + len(params))
        head[0] = loss
        head[1:] = [p.grad is not None for p in params]
        self.comm.Allreduce(MPI.IN_PLACE, head, op=MPI.SUM)
        if not math.isfinite(head[0]):  # every rank sees it and skips (or stops at) this batch alike
            return float(head[0])
        for group, bucket in self._plan([p for p, count in zip(params, head[1:]) if count > 0]):
            views = list(_views(group, bucket))
            for p, view in views:
                if p.grad is None:  # an empty shard, or a parameter this rank's data did not reach
                    view[...] = 0
                else:
                    view[...] = p.grad.data
            self.comm.Allreduce(MPI.IN_PLACE, bucket, op=MPI.SUM)
            for p, view in views:
                if p.grad is None:
                    p.grad = Tensor._wrap(view.copy())
                else:
                    p.grad.data[...] = view
        return float(head[0])

    def _plan(self, params: list[Tensor]) -> list[tuple[list[Tensor], np.ndarray]]:
        """Consecutive parameters of one dtype packed into buckets of at most `bucket_bytes` (made once)."""
        key = tuple((id(p), p.data.shape, p.data.dtype) for p in params)
        if key != self._plan_key:
            groups: list[list[Tensor]] = []
            used = 0
            for p in params:
                if not groups or p.data.dtype != groups[-1][0].data.dtype or used + p.data.nbytes > self.bucket_bytes:
                    groups.append([])
                    used = 0
                groups[-1].append(p)
                used += p.data.nbytes
            self._buckets = [(g, np.empty(sum(p.data.size for p in g), g[0].data.dtype)) for g in groups]
            self._plan_key = key
        return self._buckets

    def evaluate(self, net: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        # Everyone scores with rank 0's running statistics (BatchNorm), as PyTorch's DDP does.
        for _, buffer in net.named_buffers():
            self.comm.Bcast(buffer, root=0)
        start, stop = self.bounds_of(len(X), self.rank, self.size)
        keys = ["loss", "accuracy"] if net._require_loss().is_classification else ["loss"]
        sums = np.zeros(len(keys))
        if stop > start:
            scores = net.evaluate(X[start:stop], y[start:stop])
            sums[:] = [scores[key] * (stop - start) for key in keys]
        self.comm.Allreduce(self.MPI.IN_PLACE, sums, op=self.MPI.SUM)
        return {key: float(total / len(X)) for key, total in zip(keys, sums)}

    def abort(self, error: BaseException, code: int = 1, with_traceback: bool = True) -> None:
        """Print which rank failed and why, then end every rank of the job (MPI_Abort)."""
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__)) if with_traceback else ""
        print(f"{trace}\nchainrule: rank {self.rank} of {self.size} failed: {type(error).__name__}: {error}\n"
              f"chainrule: ending all {self.size} ranks (MPI_Abort) rather than leave them waiting for rank "
              f"{self.rank}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        self.comm.Abort(code)


def _views(group: list[Tensor], bucket: np.ndarray) -> Iterator[tuple[Tensor, np.ndarray]]:
    """Each parameter of `group` with the part of `bucket` shaped like it."""
    offset = 0
    for p in group:
        yield p, bucket[offset : offset + p.data.size].reshape(p.data.shape)
        offset += p.data.size


def _picklable(error: BaseException | None) -> BaseException | None:
    """`error`, or a RuntimeError with its text when it cannot travel to the other ranks."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"rank 0: {type(error).__name__}: {error}")


def import_mpi() -> Any:
    """mpi4py's MPI module (initialising MPI), or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            "data-parallel training needs mpi4py and an MPI library: pip install 'chainrule[mpi]' "
            f"(mpi4py and mpich); importing mpi4py failed: {error}"
        ) from error
    return MPI


@functools.lru_cache(maxsize=None)
def world() -> Communicator:
    """The job's communicator: an `MPICommunicator` when launched by mpiexec with 2 or more ranks,
    else the one-process `Communicator` (mpi4py is then never imported)."""
    return MPICommunicator() if launched_rank_and_size()[1] > 1 else Communicator()


def abort_if_launched(error: BaseException, code: int = 1) -> None:
    """In a job of several ranks, end them all after `error` (the CLI calls it when a command fails,
    having printed the message already)."""
    communicator = world()
    if isinstance(communicator, MPICommunicator):
        communicator.abort(error, code, with_traceback=False)
