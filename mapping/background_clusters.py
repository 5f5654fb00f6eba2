"""Peer clusters of a national network found in a second process, while this one goes on.

Leiden on a national network takes tens of seconds in igraph's C code, which
holds Python's interpreter lock: a thread cannot run it beside other work. A
second process can. It is given only what :func:`mapping.clusters.find_clusters`
reads (each person's reference and kind, and the risk ties' ends and weights,
in the same order), so it finds exactly the clusters this process would, while
this one writes the explanations and measures bridging. A meeting-sized network
is clustered here, when asked: starting a process costs more than it saves.

The second process is a fresh interpreter running this module
(``python -m mapping.background_clusters``), not a ``multiprocessing`` child:
nothing of the caller's script is imported again in it (a script without an
``if __name__ == "__main__"`` guard would otherwise run itself once more), and
if it dies the caller is told at once rather than left waiting.

Examples
--------
>>> with clusters_meanwhile(network, settings) as clustering_of:   # doctest: +SKIP
...     ...                                 # work that does not need the clusters
...     clustering = clustering_of()        # waits for the second process, if there is one
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import traceback
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from peermap.graph_models.network import PeerNetwork
from peermap.mapping import engines
from peermap.mapping.clusters import Clustering, find_clusters
from peermap.mapping.settings import EvidenceSettings

#: Networks with more ties than this are clustered in a second process (a national one has millions;
#: a county's year has thousands, clustered in well under a second here).
SECOND_PROCESS_ABOVE_TIES = 250_000


class SecondProcessError(RuntimeError):
    """The second process could not find the clusters (its own error, or it stopped)."""


def clustering_input(network: PeerNetwork, weight: str = "cluster_weight") -> PeerNetwork:
    """The part of ``network`` that community detection reads: people, and the risk ties of ``weight``.

    Its :meth:`~PeerNetwork.risk_arrays` are the network's own, in the same
    order, so Leiden sees the same graph; it is a small fraction of the whole
    to send to another process (no evidence counts, dates or reference text
    per tie).
    """
    a, b, w = network.risk_arrays(weight)
    ties = pd.DataFrame(
        {
            "a_node": a,
            "b_node": b,
            weight: w,
            "tie_type": pd.Categorical.from_codes(np.zeros(len(a), dtype=np.int8), ["risk"]),
        }
    )
    return PeerNetwork(network.nodes[["ref", "kind"]].reset_index(drop=True), ties)


@contextmanager
def clusters_meanwhile(
    network: PeerNetwork, settings: EvidenceSettings, method: str = "leiden", second_process_above: int | None = None
) -> Iterator[Callable[[], Clustering]]:
    """Start finding ``network``'s clusters; yield a function that returns them when they are needed.

    Above ``second_process_above`` ties (default :data:`SECOND_PROCESS_ABOVE_TIES`)
    a second process runs :func:`~mapping.clusters.find_clusters` while the
    caller goes on; at or below it, the function finds them here when first
    called. The function's ``elsewhere`` attribute says which, and its
    ``pending()`` whether the second process is still at work. It raises
    :class:`SecondProcessError` when the second process fails or stops;
    leaving the block before it has finished stops it.
    """
    limit = SECOND_PROCESS_ABOVE_TIES if second_process_above is None else second_process_above
    found: list[Clustering] = []
    if len(network.ties) <= limit or engines.current() is not None:  # the store's engine works elsewhere already

        def here() -> Clustering:
            if not found:
                found.append(find_clusters(network, settings, method))
            return found[0]

        here.elsewhere = False
        here.pending = lambda: False  # nothing is being found meanwhile
        yield here
        return

    # what is sent, let go of once it is (a national network's people and risk ties: some 150 MB held through
    # the bridging and the wait otherwise)
    parcel = [(clustering_input(network), settings, method)]
    # the installed package, by the same interpreter; -P keeps the caller's working folder off the path
    process = subprocess.Popen(
        [sys.executable, "-P", "-m", "peermap.mapping.background_clusters", str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    sending_failed: list[BaseException] = []
    receiving_failed: list[BaseException] = []
    answer: list = []  # (status, value) once it has replied (it then ends on its own); empty if it stopped

    def send_and_receive() -> None:
        """In a thread: the pipe takes the network only as fast as the new process reads it, and the answer is
        read as soon as it is given, so the second process ends then (its hundreds of MB let go of), not when
        this one next asks for the clusters."""
        try:
            with process.stdin:
                pickle.dump(parcel.pop(), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except (BrokenPipeError, OSError):
            pass  # it stopped: the answer (or its absence) says why
        except BaseException as exc:  # the caller raises it (e.g. a network that cannot be pickled)
            sending_failed.append(exc)
            process.kill()
            return
        try:
            answer.append(pickle.load(process.stdout))
        except (EOFError, pickle.UnpicklingError, OSError, ValueError):  # it stopped before (or while) answering
            pass
        except BaseException as exc:  # e.g. no memory for the answer: the caller raises it, not "it stopped"
            receiving_failed.append(exc)
            process.kill()

    def there() -> Clustering:
        if not found:
            receiver.join()
            if receiving_failed:
                raise SecondProcessError("the clusters from the second process could not be read") from (
                    receiving_failed[0]
                )
            if not answer:
                code = process.wait()
                if sending_failed:
                    raise SecondProcessError("the network could not be sent to the second process") from sending_failed[
                        0
                    ]
                why = " (killed: often the machine ran out of memory)" if code == -signal.SIGKILL else ""
                raise SecondProcessError(
                    f"the second process finding the clusters stopped (exit code {code}){why}"
                ) from None
            status, value = answer[0]
            if status != "ok":
                raise SecondProcessError(f"the second process could not find the clusters:\n{value}")
            found.append(value)
        return found[0]

    there.elsewhere = True
    there.pending = lambda: receiver.is_alive()  # the second process is still at work (not yet answered)
    receiver = threading.Thread(target=send_and_receive, name="clusters from the second process", daemon=True)
    try:
        receiver.start()
        yield there
    finally:
        if process.poll() is None and not answer:
            process.kill()
        if receiver.ident is not None:
            receiver.join()
        process.stdout.close()
        process.wait()


def _die_with(parent: int) -> None:
    """Be stopped when the caller ends, however it ends (Linux): no Leiden left running for nobody."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the caller still stops it when it leaves the block
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def _serve() -> int:
    """The second process: read (network, settings, method) on stdin, write ("ok", Clustering) on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the caller, which stops this process itself
    if len(sys.argv) > 1:
        _die_with(int(sys.argv[1]))
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr, not into the answer
    network, settings, method = pickle.load(sys.stdin.buffer)
    try:
        reply = ("ok", find_clusters(network, settings, method, own=True))
    except Exception:  # the caller raises it, with this traceback
        reply = ("error", traceback.format_exc())
    with answer:
        pickle.dump(reply, answer, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
