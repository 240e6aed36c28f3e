"""The script build.spec freezes into ``FrameFan``: hands over to gui.launcher.

It lives outside ``gui/`` because PyInstaller puts a script's folder first on the module
search path, where ``gui/queue`` would hide the standard library's ``queue``.
"""

import sys

from gui.launcher import main

sys.exit(main())
