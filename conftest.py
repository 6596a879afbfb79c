"""Keep a bare `pytest` away from the learner's unsolved copies (they fail by design).

An exercise notebook named on the command line is still collected; tests/test_exercises.py
runs them in a subprocess to prove they fail exactly at their check cells.
"""

collect_ignore_glob = ["exercises/*", "workspace/*", ".venv/*", "build/*"]
