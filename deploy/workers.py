"""The uvicorn worker class gunicorn runs (see deploy/gunicorn.conf.py)."""

import warnings

with warnings.catch_warnings():
    # uvicorn now points to the `uvicorn-worker` package for this class; the code is the same.
    warnings.simplefilter("ignore", DeprecationWarning)
    from uvicorn.workers import UvicornWorker


class ArenaUvicornWorker(UvicornWorker):
    # lifespan "off": Django has no lifespan handlers and Channels' router refuses the scope.
    # ws_max_size: listeners only receive; a client frame larger than 64 KiB is refused.
    CONFIG_KWARGS = {"loop": "auto", "http": "auto", "ws": "auto", "lifespan": "off", "ws_max_size": 65536}
