"""Django settings of the browser tests' server and worker: the site's own, with the smaller
demo data set the tests choose (``DEMO_ROWS`` in ``conftest.py``, passed in the environment).

Every study created from an example has its profile built by the one worker: the site's 20,000
rows cost it a minute or more each time (and hold up the next test's jobs) and show nothing in
a browser that 2,000 do not."""

import os

from segprofile.web.settings import *  # noqa: F403

SEGPROFILE_DEMO_ROWS = int(os.environ["SEGPROFILE_TEST_DEMO_ROWS"])
