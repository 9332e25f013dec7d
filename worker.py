"""Composition root of the background side (send consumers, scheduler, outbox relay).

The consumers arrive with the campaigns work (issue 4); until then there is nothing to run, and
saying so beats starting an idle process that looks healthy.
"""

import sys

if __name__ == "__main__":
    sys.stderr.write("后台任务尚未实现 / No background jobs exist yet (see issue 4).\n")
    sys.exit(1)
