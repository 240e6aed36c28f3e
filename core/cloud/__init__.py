"""The AWS Lambda backend: the cloud client, the functions it drives, and their shared rules.

Everything here is Qt-free. The Lambda functions (``core.cloud.functions``) are built from
this package by ``infra/template.yaml``; the desktop side (``core.cloud.runner``) talks to
them only through S3 objects whose names and formats are defined in :mod:`.keys`,
:mod:`.metadata` and :mod:`.records`.
"""
