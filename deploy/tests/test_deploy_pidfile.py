import subprocess
import sys
import textwrap
import time

import psutil

from unefois_deploy.pidfile import PidFile, kill, terminate_all

# A parent that starts a child, prints its pid, and never reaps it (like another test session).
NEGLECTFUL_PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(child.pid, flush=True)
    time.sleep(60)
    """
)


def test_killing_another_parents_child_does_not_wait_for_it_to_be_reaped():
    parent = subprocess.Popen([sys.executable, "-c", NEGLECTFUL_PARENT], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = psutil.Process(int(parent.stdout.readline()))
        began = time.monotonic()
        kill(grandchild)
        assert time.monotonic() - began < 2
        assert grandchild.status() == psutil.STATUS_ZOMBIE  # dead; only its own parent can reap it
    finally:
        parent.kill()
        parent.wait()


def test_terminate_all_reaps_our_children_in_parallel():
    children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(3)]
    began = time.monotonic()
    terminate_all([psutil.Process(child.pid) for child in children], timeout=5)
    assert time.monotonic() - began < 2
    assert all(not psutil.pid_exists(child.pid) for child in children)


def test_pid_file_ignores_a_recycled_pid(tmp_path):
    pid_file = PidFile(tmp_path / "x.pid")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        pid_file.record(child.pid)
        assert pid_file.process().pid == child.pid
        # Same pid, different start time: not the process we started.
        pid_file.path.write_text(pid_file.path.read_text().replace('"create_time": ', '"create_time": 1'))
        assert pid_file.process() is None
        assert not pid_file.path.exists()
    finally:
        child.kill()
        child.wait()
