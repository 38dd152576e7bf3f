"""Under gunicorn's gevent workers every request is a greenlet: the SQLite store opens one connection for them
all, and its waits for a lock let the other greenlets run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from scripts.processes import ROOT

_GREENLETS = """
from gevent import monkey
monkey.patch_all()
import sqlite3, sys, gevent
from flask_cognito_signin.sessions.sqlite import SQLiteStore

opened = []
connect = sqlite3.connect
sqlite3.connect = lambda *args, **kwargs: opened.append(1) or connect(*args, **kwargs)
store = SQLiteStore(sys.argv[1] + "/sessions.db")
store.put("session:x", {"n": 1}, 60)
gevent.joinall([gevent.spawn(store.replace, "session:x", {"n": n}, 60) for n in range(20)])
print(len(opened))
"""


def test_greenlets_of_one_worker_share_its_connection(tmp_path):
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(_GREENLETS), str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1"


_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(1.0)
connection.execute("COMMIT")
"""

_WHILE_LOCKED = """
from gevent import monkey
monkey.patch_all()
import subprocess, sys, gevent
from flask_cognito_signin.sessions.sqlite import SQLiteStore

store = SQLiteStore(sys.argv[1] + "/sessions.db")
store.put("session:reader", {"n": 1}, 60)
holder = subprocess.Popen([sys.executable, "-c", sys.argv[2], sys.argv[1] + "/sessions.db"], stdout=subprocess.PIPE,
                          text=True)
assert holder.stdout.readline().strip() == "locked"
served = []

def writing_request():
    store.put("session:writer", {"n": 2}, 60)  # waits for the other process's write lock
    served.append("write")

def reading_request():
    gevent.sleep(0.1)  # the writer is waiting by now
    assert store.get("session:reader").value == {"n": 1}
    served.append("read")

gevent.joinall([gevent.spawn(writing_request), gevent.spawn(reading_request)], raise_error=True)
holder.wait()
print(" ".join(served))
"""


def test_a_request_is_served_while_another_waits_for_the_write_lock(tmp_path):
    """SQLite's busy handler sleeps in C: under gevent it froze every greenlet of the worker until the
    lock came free. The store waits in Python, where gevent runs the other requests meanwhile."""
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(_WHILE_LOCKED), str(tmp_path), _HOLDER], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "read write", "the read was served only after the write got the lock"
