"""peermap: peer networks and hot spots of children who go missing.

The public Python API lives here; everything else is internal.
"""

__version__ = "0.1.0"
