#!/usr/bin/env python3
"""Writes a `git fast-import` stream for the history benchmark (scripts/bench-git).

A synthetic leaked repository: COMMITS commits on a main branch and a few side branches,
each changing one to four files among application logs with phone numbers and ID-like
numbers, configuration files that sometimes hold a credential (later removed), CSV exports,
zip archives of exports, and binary blobs. Deterministic for a seed. Everything is fake:
numbers are random, keys are random strings in the shapes detectors look for.
"""
import io
import random
import sys
import zipfile

COMMITS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 7
rng = random.Random(SEED)
out = sys.stdout.buffer
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def mobile():
    return rng.choice(["138", "139", "150", "186", "199"]) + "".join(rng.choice("0123456789") for _ in range(8))


def log_text(lines):
    rows = []
    for i in range(lines):
        if rng.random() < 0.05:
            rows.append(f"2023-05-{rng.randint(1, 28):02d} user login phone={mobile()} ok")
        else:
            rows.append(f"2023-05-{rng.randint(1, 28):02d} GET /api/v1/items/{rng.randint(1, 99999)} 200 {rng.randint(1, 900)}ms")
    return ("\n".join(rows) + "\n").encode()


def config_text(with_key):
    text = "[server]\nport = 8080\nworkers = 4\n"
    if with_key:
        key = "AKIA" + "".join(rng.choice(ALNUM) for _ in range(16))
        text += f"aws_access_key_id = {key}\n"
    return text.encode()


def csv_text(rows):
    body = "姓名,手机\n" + "".join(f"用户{i},{mobile()}\n" for i in range(rows))
    return body.encode()


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export/users.csv", csv_text(rng.randint(50, 400)))
        z.writestr("export/readme.txt", b"monthly export\n")
    return buf.getvalue()


def binary_bytes():
    return rng.randbytes(rng.randint(16 << 10, 256 << 10))


def blob(mark, data):
    out.write(f"blob\nmark :{mark}\ndata {len(data)}\n".encode())
    out.write(data)
    out.write(b"\n")


mark = 0
files = {}
time0 = 1600000000
branches = ["main"]
last_main = None
for c in range(COMMITS):
    branch = "main" if rng.random() < 0.9 or c < 10 else rng.choice(["feature/a", "feature/b", "hotfix"])
    changes = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.45:
            path, data = f"logs/app-{rng.randint(1, 40)}.log", log_text(rng.randint(50, 600))
        elif kind < 0.6:
            path, data = f"config/{rng.choice(['prod', 'dev', 'test'])}.ini", config_text(rng.random() < 0.3)
        elif kind < 0.75:
            path, data = f"exports/users-{rng.randint(1, 20)}.csv", csv_text(rng.randint(20, 300))
        elif kind < 0.87:
            path, data = f"exports/archive-{rng.randint(1, 10)}.zip", zip_bytes()
        else:
            path, data = f"assets/bin-{rng.randint(1, 30)}.dat", binary_bytes()
        mark += 1
        blob(mark, data)
        changes.append(("M", path, mark))
    if rng.random() < 0.05 and files:
        changes.append(("D", rng.choice(sorted(files)), None))
    mark += 1
    ts = time0 + c * 600
    out.write(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
    out.write(f"author Dev {c % 7} <dev{c % 7}@corp.example.cn> {ts} +0800\n".encode())
    out.write(f"committer Dev {c % 7} <dev{c % 7}@corp.example.cn> {ts} +0800\n".encode())
    msg = f"change {c}\n".encode()
    out.write(f"data {len(msg)}\n".encode() + msg)
    if branch != "main" and branch not in branches:
        out.write(f"from :{last_main}\n".encode())
        branches.append(branch)
    for op, path, m in changes:
        if op == "M":
            out.write(f"M 100644 :{m} {path}\n".encode())
            files[path] = m
        else:
            out.write(f"D {path}\n".encode())
            files.pop(path, None)
    out.write(b"\n")
    if branch == "main":
        last_main = mark
