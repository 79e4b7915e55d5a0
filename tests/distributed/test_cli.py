"""`ogi worker` outside a run: a clear error when Redis is unreachable, exit 3 when no run comes."""
import subprocess

from .conftest import OGI, REPO, free_port


def test_unreachable_redis_is_a_clear_error():
    proc = subprocess.run(OGI + ["worker", "--redis", f"redis://127.0.0.1:{free_port()}/0", "--wait", "0"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "cannot use Redis at redis://127.0.0.1:" in proc.stderr and "Traceback" not in proc.stderr


def test_a_worker_without_a_run_exits_3(redis_server):
    redis_server.client.flushdb()
    proc = subprocess.run(OGI + ["worker", "--redis", redis_server.url, "--wait", "0.5"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert "no run announced" in proc.stderr
