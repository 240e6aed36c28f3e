"""FrameFan's processing core: probe, plan, render and run, with no GUI dependency.

This package is also shipped inside the AWS Lambda functions, so it must stay free of Qt.
"""

__version__ = "0.1.0"
