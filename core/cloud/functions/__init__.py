"""The two Lambda functions: ``snippets`` (S3 upload → one event per snippet) and
``process`` (one event → one snippet's GIF and stills). Handlers:
``core.cloud.functions.snippets.handler`` and ``core.cloud.functions.process.handler``."""
