"""The uvicorn worker class gunicorn runs (see deploy/gunicorn.conf.py)."""

import warnings

with warnings.catch_warnings():
    # uvicorn now points to the `uvicorn-worker` package for this class; the code is the same.
    warnings.simplefilter("ignore", DeprecationWarning)
    from uvicorn.workers import UvicornWorker


class ArenaUvicornWorker(UvicornWorker):
    # lifespan "off": Django has no lifespan handlers and Channels' router refuses the scope.
    # ws_max_size: listeners only receive; a client frame larger than 64 KiB is refused.
    # ws: the sans-I/O websockets protocol, without permessage-deflate: measured in
    # docs/realtime.md, it costs 20-50% more server CPU for ~150-byte event frames.
    CONFIG_KWARGS = {
        "loop": "auto",
        "http": "auto",
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        "lifespan": "off",
        "ws_max_size": 65536,
    }
