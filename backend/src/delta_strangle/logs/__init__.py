"""The self-contained log pipeline: JSON logs -> file -> tailer -> SQLite -> viewer.

The rest of the code only calls `logs.setup.configure_logging` and logs with `extra={"event": ...}`.
"""
