"""Where the time of a figure goes: py-spy samples the server's processes
(the web workers, the SMTP processes) while the figure's work is replayed
after its measurement, and the samples are written as a readable text
profile, ``var/bench/profile-<figure>[_pg].txt``.

The profile is taken in a pass of its own, never while a figure is being
measured: sampling slows the process it samples.
"""

import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def _py_spy() -> str | None:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else shutil.which("py-spy")


def _function(frame: str) -> str:
    """``name (path/file.py:line)`` → ``name (package/file.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[parts.index("calanque"):] if "calanque" in parts else parts[-2:])
    return f"{name} ({short})"


def summary(collapsed: str, top: int = 45) -> str:
    """Collapsed stacks (``frame;frame;… count`` per line) as two lists: the
    functions by share of the samples they are in (inclusive), then by
    share of samples spent in their own code (self)."""
    inclusive, own, total = collections.Counter(), collections.Counter(), 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        # py-spy --subprocesses puts « process PID:"command line" » first.
        frames = [_function(f) for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        total += int(count)
        for function in set(frames):
            inclusive[function] += int(count)
        own[frames[-1]] += int(count)
    if not total:
        return "aucun échantillon\n"
    lines = [f"{total} échantillons (processus actifs seulement)", "", "inclusif  fonction"]
    lines += [f"{100 * n / total:6.1f} %  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "propre    fonction"]
    lines += [f"{100 * n / total:6.1f} %  {f}" for f, n in own.most_common(top // 2)]
    return "\n".join(lines) + "\n"


def profile(pid: int, name: str, work, seconds: float = 8.0, log=print) -> Path | None:
    """Sample ``pid`` and its children while ``work()`` runs (called again
    and again for ``seconds``); returns the text profile's path, or None
    when py-spy cannot run here (not installed, no ptrace)."""
    spy = _py_spy()
    if spy is None:
        log(f"   profil {name} : py-spy absent (pip install '.[bench]')")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "samples.txt"
        recorder = subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--format", "raw", "--rate", "250",
             "--duration", str(int(seconds)), "--output", str(raw)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        stop = time.monotonic() + seconds - 0.5
        errors: list[BaseException] = []

        def replay():
            try:
                while time.monotonic() < stop:
                    work()
            except BaseException as exc:  # noqa: BLE001 - reported after py-spy stops
                errors.append(exc)

        thread = threading.Thread(target=replay)
        thread.start()
        thread.join()
        _, stderr = recorder.communicate(timeout=seconds + 60)
        if errors:
            raise errors[0]
        if recorder.returncode or not raw.exists():
            log(f"   profil {name} : py-spy a échoué ({stderr.strip()[-200:]})")
            return None
        OUT.mkdir(parents=True, exist_ok=True)
        target = OUT / f"profile-{name}.txt"
        target.write_text(f"{name} : où va le temps (py-spy, {seconds:.0f} s de la même charge)\n\n"
                          + summary(raw.read_text()), encoding="utf-8")
    return target
