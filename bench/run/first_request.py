#!/usr/bin/env python3
"""Time from starting `assurai run` to its first request reaching the target.

Usage: first_request.py ASSURAI_BINARY DATASET [EXTRA_RUN_ARGS...]

A socket on 127.0.0.1 stands in for the target: the clock starts just before
the process is spawned and stops when the first connection is accepted (the
first target request), then the run is killed. Everything `assurai run` does
before its first call (validation, hashing, counting, resume scan, setup) is
inside the figure. Prints the seconds on one line.
"""
import socket
import subprocess
import sys
import tempfile
import time


def main() -> None:
    binary, dataset, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as out:
        cmd = [binary, "run", "--dataset", dataset, "--out", f"{out}/run",
               "--target", f"openai:first-request@http://127.0.0.1:{port}/v1",
               "--judge", "refusal", "--max-retries", "0", *extra]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sock.settimeout(600)
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            proc.kill()
            sys.exit("no request within 600 s: " + proc.stderr.read().decode(errors="replace"))
        t1 = time.monotonic()
        proc.kill()
        proc.wait()
        conn.close()
    print(f"{t1 - t0:.3f}")


if __name__ == "__main__":
    main()
