"""What an MPI launcher told this process: its rank, the number of ranks, and one BLAS thread each.

``mpiexec -n 4 chainrule train mnist-mlp`` starts four processes; the launcher
tells each of them its rank and the job's size in environment variables (MPICH
and Intel MPI: ``PMI_RANK``/``PMI_SIZE``; Open MPI: ``OMPI_COMM_WORLD_*``;
MVAPICH: ``MV2_COMM_WORLD_*``; PMIx launchers: ``PMIX_RANK`` with the size in
``OMPI_COMM_WORLD_SIZE``). Reading them needs neither mpi4py nor NumPy, so
`chainrule` can ask *before* NumPy loads its BLAS: four ranks that each start
as many BLAS threads as the machine has cores would fight over the cores, so
under a launch of more than one rank each rank gets one thread unless the user
set a thread count. This module imports nothing but `os`: it runs first in
``chainrule/__init__.py``. `chainrule.distributed` does the communicating.
"""

from __future__ import annotations

import os

# (rank variable, size variable) of the launchers we know, most common first.
LAUNCHER_VARIABLES = (
    ("PMI_RANK", "PMI_SIZE"),  # MPICH's hydra (pip install mpich), Intel MPI
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),  # Open MPI
    ("MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE"),  # MVAPICH
    ("PMIX_RANK", "OMPI_COMM_WORLD_SIZE"),  # PMIx (srun --mpi=pmix, Open MPI 5)
)

# The thread counts NumPy's BLAS (OpenBLAS, MKL, BLIS) and OpenMP read when they load.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def launched_rank_and_size(environ: dict[str, str] | None = None) -> tuple[int, int]:
    """(rank, number of ranks) from the launcher's environment; (0, 1) when not launched by MPI.

    >>> launched_rank_and_size({"PMI_RANK": "1", "PMI_SIZE": "4"})
    (1, 4)
    >>> launched_rank_and_size({})
    (0, 1)
    """
    environ = os.environ if environ is None else environ
    for rank_name, size_name in LAUNCHER_VARIABLES:
        rank, size = environ.get(rank_name), environ.get(size_name)
        if rank is not None and size is not None and rank.isdigit() and size.isdigit() and int(size) > 0:
            return int(rank), int(size)
    return 0, 1


def one_thread_per_rank(environ: dict[str, str] | None = None) -> bool:
    """Under a launch of several ranks, set every BLAS thread variable the user left unset to 1.

    Must run before NumPy is imported (its BLAS reads them once, when it loads):
    chainrule calls it first thing on import. When the user set any of them
    (``mpiexec -n 2 -env OMP_NUM_THREADS 4 …``, or ``export`` before ``mpiexec``),
    nothing is changed: they told us. Returns whether it set them.

    >>> env = {"PMI_RANK": "0", "PMI_SIZE": "2"}
    >>> one_thread_per_rank(env), env["OMP_NUM_THREADS"], env["OPENBLAS_NUM_THREADS"]
    (True, '1', '1')
    >>> one_thread_per_rank({"PMI_RANK": "0", "PMI_SIZE": "2", "OMP_NUM_THREADS": "3"})
    False
    """
    environ = os.environ if environ is None else environ
    if launched_rank_and_size(environ)[1] < 2 or any(name in environ for name in THREAD_VARIABLES):
        return False
    for name in THREAD_VARIABLES:
        environ[name] = "1"
    return True
