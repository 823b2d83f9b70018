"""``python -m segprofile.data.native``: build (or find) the pseudonym extension, print its path."""

import sys

from segprofile.data.native import main

sys.exit(main())
