"""Every notebook in notebooks/ in a real browser: JupyterLab, driven by Chromium through Playwright.

Each notebook is one test: open it in JupyterLab, Run All, require no unrun code cell and no error
output (cells tagged ``raises-exception`` excepted), move one control of every widget and see the
widget's output change, and save a screenshot in the test's temporary folder. Chromium is Debian's
``chromium`` package; without it the tests skip with install advice, except under ``CI=true``,
where a missing browser (or a missing playwright) fails.

Budget. nbval (``--nbval-lax``) already executes notebooks/ in ``make test``; the tour does all
that nbval-lax checks for them (every cell runs, no exception) and more. So when the tour can
run here (Chromium and playwright present) tests/conftest.py deselects the nbval items of the
notebooks the selected tour tests cover; without a browser nbval runs them as before.
solutions/ stay with nbval.

Workers. ``make test`` distributes with ``--dist loadfile`` (one file -> one worker), so the
tour is split over shard files (test_tour_a.py ...), each a fixed slice of the sorted notebook
list; every worker that receives a shard starts one JupyterLab and one Chromium (session-scoped
fixtures in conftest.py) and tours its notebooks one after another, one kernel at a time.
test_tour_rules.py proves the shards cover every notebook exactly once.
"""
