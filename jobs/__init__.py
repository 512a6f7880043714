"""The durable job queue (procrastinate), as infrastructure: the app, the in-process worker,
the deferrer and the schema set-up.

Each task is defined by the package that owns it (messenger/tasks.py: handle an event,
housekeeping; search/tasks.py: embedding refresh) and handed to the worker as a `Task`; the
entry point composes them (service/runtime.py). The queue's own task, retrying the jobs of a
worker that died, is here. This package imports no feature package.
"""
