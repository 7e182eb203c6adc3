"""The baseline: a bare Flask app served the same way as screener, measured in the same run."""

from flask import Flask, request

app = Flask(__name__)


@app.get("/")
def hello():
    return "ok"


@app.post("/")
def echo():
    return str(len(request.form))
