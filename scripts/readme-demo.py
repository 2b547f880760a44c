#!/usr/bin/env python3
"""Runs the README's softtoken-server demo as written, in a terminal (a pty):
each line of the "A local demo" block is typed into bash, the printed link
replaces the placeholder link, and the prompts are answered the way a person
would (the activation code shown by `enroll`, the PIN 2580 twice).
The `cargo build` line is skipped: PATH must already hold the binaries.
Exits 0 when the final curl prints {"ok":true,...}.

    PATH=target/debug:$PATH scripts/readme-demo.py README.md
"""
import os
import pty
import re
import select
import sys
import time

readme = open(sys.argv[1] if len(sys.argv) > 1 else "README.md", encoding="utf-8").read()
block = re.search(r"A local demo:\s*```sh\n(.*?)```", readme, re.S).group(1)
lines = [l for l in block.splitlines() if l.strip() and not l.startswith("cargo build")]

pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "DEMO$ "
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])

buf = ""


def pump(timeout):
    global buf
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            chunk = os.read(fd, 4096).decode(errors="replace")
        except OSError:
            return False
        buf += chunk
        sys.stdout.write(chunk.replace("\r", ""))
        sys.stdout.flush()
    return True


def wait_for(pattern, timeout=60):
    global buf
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pattern, buf)
        if m:
            seen, buf = buf[: m.end()], buf[m.end():]
            return seen
        if not pump(0.2):
            break
    sys.exit(f"\nreadme-demo: timed out waiting for {pattern!r}")


def type_line(text):
    os.write(fd, (text + "\n").encode())


PROMPT = r"DEMO\$ $"
wait_for(PROMPT)
type_line("cd \"$(mktemp -d)\"")
wait_for(PROMPT)
link = code = None
output = ""
for line in lines:
    if line.rstrip().endswith("\\"):
        type_line(line)
        continue
    if "'softtoken://activate?v=2&…'" in line:
        line = line.replace("'softtoken://activate?v=2&…'", f"'{link}'")
    type_line(line)
    if line.startswith("softtoken-server serve &"):
        wait_for(r"listening on [^\n]*\n")
        continue
    seen = ""
    while True:
        got = wait_for(PROMPT + r"|[Aa]ctivation code[^\n]*: $|PIN[^\n]*: $|Confirm the PIN: $")
        seen += got
        if re.search(PROMPT, got):
            break
        type_line(code if re.search(r"[Aa]ctivation code[^\n]*: $", got) else "2580")
    output = seen
    m = re.search(r"softtoken://activate\S+", seen)
    if m:
        link = m.group(0)
        code = re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b", seen).group(0)
type_line("kill %1")
ok = '"ok":true' in output
print("\nreadme-demo:", "the code verified" if ok else "the code did NOT verify")
sys.exit(0 if ok else 1)
