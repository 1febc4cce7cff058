"""Runs SQL in one chDB session (ClickHouse in-process) with executable UDFs from a directory.

Reads {"udf": DIR, "statements": [[sql, format], ...]} as JSON on standard input and writes,
for each statement, its result as text and the seconds it took ({"text", "seconds"}), in a JSON
list on standard output. Used by rate.test.mjs and bench/bench.mjs; the assertions are theirs.
"""
import json
import sys
import tempfile
import time

import chdb
import chdb.session

request = json.load(sys.stdin)
# A session reads the UDF directory when it is made.
chdb.g_udf_path = request["udf"]
with tempfile.TemporaryDirectory() as path:
    session = chdb.session.Session(path)
    results = []
    for sql, fmt in request["statements"]:
        started = time.perf_counter()
        text = session.query(sql, fmt).bytes().decode()
        results.append({"text": text, "seconds": time.perf_counter() - started})
    session.close()
json.dump(results, sys.stdout)
