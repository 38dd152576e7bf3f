"""The benchmark's anchor: a bare Flask app, one view returning "ok", nothing else (no extension, no middleware).

`make bench` serves it under plain `gunicorn -w N` (sync workers, no configuration file) and
under this project's gunicorn.conf.py, beside the example app, so that every figure is a
ratio to what Flask itself costs on this machine in the same run.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
