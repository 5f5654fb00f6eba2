"""``python -m peermap``: the same as the ``peermap`` command."""

from peermap.cli import main

if __name__ == "__main__":
    main()
