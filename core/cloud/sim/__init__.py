"""An offline stand-in for the deployed stack: moto in server mode plus a runner that calls
the real Lambda handlers (``framefan cloud-sim``). Needs the ``sim`` extra."""
