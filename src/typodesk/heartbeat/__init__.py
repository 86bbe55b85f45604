"""Workers saying they are alive: a row per running worker (``typodesk/worker.py`` writes it).

The desk warns when notifications wait and no worker is alive (typodesk.notify.views), and
/metrics reports each worker's last heartbeat. An app of its own beside the worker loop, below
every app that reads it (docs/architecture.md); the table is still ``notify_workerbeat``, where
the model used to live.
"""
