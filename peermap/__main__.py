"""``python -m peermap``: the same as the ``peermap`` command."""

from peermap.mapping.cli import main

if __name__ == "__main__":
    main()
