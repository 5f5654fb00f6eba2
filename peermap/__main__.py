"""``python -m peermap``: the same as the ``peermap`` command."""

from peermap.cli import run

if __name__ == "__main__":
    run()
