"""Under gunicorn's gevent workers every request is a greenlet: the SQLite store must not open a connection for each."""

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
