"""A rule's log receives its logging, its stderr and its child processes' stderr; failures re-raise."""

import logging
import re
import subprocess
import sys

import pytest

from qolreview.workflow import logged


def test_log_receives_logging_stderr_and_child_processes(tmp_path, capfd):
    log = tmp_path / "logs" / "rule.log"
    with logged(log) as logger:
        logger.info("from logging")
        print("from sys.stderr", file=sys.stderr)
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('from a child process\\n')"], check=True)
    text = log.read_text()
    assert "INFO qolreview: from logging" in text
    assert "from sys.stderr" in text and "from a child process" in text
    assert re.search(r"INFO qolreview: rule finished in \d+\.\d\d s, peak memory \d+ MB\n$", text)
    assert capfd.readouterr().err == ""
    print("after", file=sys.stderr)
    assert "after" in capfd.readouterr().err  # stderr is restored


def test_failure_is_logged_and_reraised(tmp_path):
    log = tmp_path / "rule.log"
    handlers = list(logging.getLogger().handlers)
    with pytest.raises(ValueError, match="bad input"), logged(log):
        raise ValueError("bad input")
    assert "rule failed" in log.read_text() and "ValueError: bad input" in log.read_text()
    assert "rule finished" not in log.read_text()
    assert logging.getLogger().handlers == handlers  # the log's handler is removed again
